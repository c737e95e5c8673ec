package io.vmimport.provider.vmware.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** The TLS context of one source: its CA, the system trust store, or (opt-in) no verification. */
public final class VimTls {
  private VimTls() {}

  /**
   * @param caPem the CA certificate(s) from the Secret; empty for the system trust store
   * @param secretName for messages
   */
  public static SSLContext verifying(Optional<String> caPem, String secretName) {
    try {
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (caPem.isPresent()) {
        factory.init(trustStoreOf(caPem.get(), secretName));
      } else {
        factory.init((KeyStore) null);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new VmImportException(ErrorCode.INTERNAL, "cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /**
   * A context that accepts any certificate and host name, for this source's connections only. Only
   * for the explicit {@code insecureSkipTLSVerify} opt-in.
   */
  public static SSLContext insecure() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new AcceptingTrustManager()}, null);
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
              .generateCertificates(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "Secret " + secretName + ": caCert is not a PEM certificate: " + e.getMessage(),
          e);
    }
    if (certificates.isEmpty()) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC, "Secret " + secretName + ": caCert holds no PEM certificate");
    }
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    try {
      store.load(null, null);
    } catch (java.io.IOException e) {
      throw new GeneralSecurityException(e);
    }
    int index = 0;
    for (Certificate certificate : certificates) {
      store.setCertificateEntry("ca-" + index++, certificate);
    }
    return store;
  }

  /**
   * Extended so that the JDK does not add its own host name check around it (it wraps plain
   * X509TrustManagers in one that checks).
   */
  private static final class AcceptingTrustManager extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
