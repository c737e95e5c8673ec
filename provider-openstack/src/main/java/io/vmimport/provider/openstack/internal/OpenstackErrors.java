package io.vmimport.provider.openstack.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.openstack4j.api.exceptions.AuthenticationException;
import org.openstack4j.api.exceptions.ConnectionException;
import org.openstack4j.api.exceptions.RegionEndpointNotFoundException;
import org.openstack4j.api.exceptions.ResponseException;

/** Translates openstack4j and HTTP failures into {@link VmImportException}s at the boundary. */
final class OpenstackErrors {
  private OpenstackErrors() {}

  /**
   * @param what what was being done, e.g. "create a snapshot of volume 1234"
   */
  static VmImportException translate(RuntimeException e, String what) {
    if (e instanceof VmImportException vmImport) {
      return vmImport;
    }
    if (e instanceof AuthenticationException) {
      return new VmImportException(
          ErrorCode.AUTHENTICATION_FAILED, "cannot " + what + ": the token was rejected", e);
    }
    if (e instanceof ResponseException response && response.getStatus() > 0) {
      return fromStatus(response.getStatus(), response.getMessage(), what, e);
    }
    if (e instanceof ConnectionException) {
      return fromConnectionFailure(e, what);
    }
    if (e instanceof RegionEndpointNotFoundException) {
      return new VmImportException(
          ErrorCode.INVALID_SPEC, "cannot " + what + ": " + e.getMessage(), e);
    }
    return new VmImportException(
        ErrorCode.INTERNAL, "cannot " + what + ": " + e.getClass().getSimpleName() + ": " + e, e);
  }

  static VmImportException fromStatus(int status, String message, String what, Throwable cause) {
    String text = "cannot " + what + ": HTTP " + status + (message == null ? "" : ": " + message);
    return switch (status) {
      case 401 -> new VmImportException(ErrorCode.AUTHENTICATION_FAILED, text, cause);
      case 403 -> new VmImportException(ErrorCode.PERMISSION_DENIED, text, cause);
      case 404 -> new VmImportException(ErrorCode.NOT_FOUND, text, cause);
      // Nova and Cinder answer 413 (OverLimit) when a quota is exhausted
      case 413 -> new VmImportException(ErrorCode.QUOTA_EXCEEDED, text, cause);
      case 408, 429, 503, 504 -> new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, text, cause);
      default ->
          status >= 500
              ? new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, text, cause)
              : new VmImportException(ErrorCode.EXPORT_FAILED, text, cause, false);
    };
  }

  static VmImportException fromConnectionFailure(Throwable e, String what) {
    if (isUntrustedCertificate(e)) {
      return new VmImportException(
          ErrorCode.TLS_UNTRUSTED,
          "cannot "
              + what
              + ": the server's TLS certificate is not trusted (set ca_cert in the credentials"
              + " Secret to the CA that signed it): "
              + rootMessage(e),
          e);
    }
    return new VmImportException(
        ErrorCode.SOURCE_UNAVAILABLE, "cannot " + what + ": " + rootMessage(e), e);
  }

  static boolean isUntrustedCertificate(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertPathBuilderException
          || t instanceof CertPathValidatorException
          || t instanceof CertificateException
          || t instanceof SSLHandshakeException) {
        return true;
      }
      if (t instanceof SSLException && String.valueOf(t.getMessage()).contains("certificate")) {
        return true;
      }
    }
    return false;
  }

  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
