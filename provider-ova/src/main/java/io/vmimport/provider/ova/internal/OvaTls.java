package io.vmimport.provider.ova.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Whom an https OvaSource trusts: the certificates of {@code ca.crt} when the Secret has one, else
 * the system trust store. There is no way to turn verification off.
 */
final class OvaTls {
  private OvaTls() {}

  static SSLContext verifying(Optional<String> caPem, String secretName) {
    try {
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(caPem.isPresent() ? trustStoreOf(caPem.get(), secretName) : null);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new VmImportException(ErrorCode.INTERNAL, "cannot set up TLS: " + e.getMessage(), e);
    }
  }

  private static KeyStore trustStoreOf(String pem, String secretName)
      throws GeneralSecurityException {
    Collection<? extends Certificate> certificates;
    try {
      certificates =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw badCa(secretName, e);
    }
    if (certificates.isEmpty()) {
      throw badCa(secretName, null);
    }
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    try {
      store.load(null, null);
    } catch (java.io.IOException e) {
      throw new GeneralSecurityException(e);
    }
    int i = 0;
    for (Certificate certificate : certificates) {
      store.setCertificateEntry("ca-" + i++, certificate);
    }
    return store;
  }

  private static VmImportException badCa(String secretName, Exception cause) {
    return new VmImportException(
        ErrorCode.INVALID_SPEC,
        "Secret " + secretName + ": key ca.crt holds no PEM certificate",
        cause);
  }
}
