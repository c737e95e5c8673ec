package io.vmimport.provider.vmware.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.InvalidLogin;
import com.vmware.vim25.NoPermission;
import com.vmware.vim25.NotAuthenticated;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.SourceSpec;
import java.net.ConnectException;
import java.rmi.RemoteException;
import java.security.cert.CertificateException;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class VimConnectionTest {
  private static final VmwareSettings SETTINGS =
      VmwareSettings.of(
          new SourceSpec(
              "vmware",
              "ns",
              "vc",
              Map.of("endpoint", "https://vc.example/sdk", "dc", "DC0"),
              new Credentials("vc-creds", Map.of("username", "u", "password", "Hunter2-Hunter2"))));

  private static VmImportException translate(Throwable e) {
    return VimConnection.translate(SETTINGS, "log in", e);
  }

  @Test
  void invalidLoginIsAuthenticationFailedNamingTheSecret() {
    VmImportException error =
        translate(
            new VimFaultException(
                "incorrect user name or password",
                Optional.of("InvalidLogin"),
                new InvalidLogin()));
    assertThat(error.code()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED);
    assertThat(error.retryable()).isFalse();
    assertThat(error.getMessage()).contains("vc-creds").doesNotContain("Hunter2-Hunter2");
  }

  @Test
  void noPermissionIsPermissionDeniedAndNotAuthenticatedIsRecognised() {
    assertThat(
            translate(new VimFaultException("no", Optional.of("NoPermission"), new NoPermission()))
                .code())
        .isEqualTo(ErrorCode.PERMISSION_DENIED);
    assertThat(
            VimConnection.isNotAuthenticated(
                new VimFaultException("", Optional.of("NotAuthenticated"), new NotAuthenticated())))
        .isTrue();
    assertThat(
            VimConnection.isNotAuthenticated(
                new VimFaultException("", Optional.of("InvalidLogin"), null)))
        .isFalse();
  }

  @Test
  void refusedConnectionIsSourceUnavailableRetryable() {
    VmImportException error =
        translate(
            new RemoteException(
                "VI SDK invoke exception", new ConnectException("Connection refused")));
    assertThat(error.code()).isEqualTo(ErrorCode.SOURCE_UNAVAILABLE);
    assertThat(error.retryable()).isTrue();
    assertThat(error.getMessage()).contains("cannot be reached").contains("spec.endpoint");
  }

  @Test
  void untrustedCertificateIsTlsUntrustedSayingWhereTheCaGoes() {
    SSLHandshakeException handshake = new SSLHandshakeException("PKIX path building failed");
    handshake.initCause(new CertificateException("unable to find valid certification path"));
    VmImportException error = translate(new RemoteException("x", handshake));
    assertThat(error.code()).isEqualTo(ErrorCode.TLS_UNTRUSTED);
    assertThat(error.getMessage()).contains("caCert").contains("vc-creds");
  }
}
