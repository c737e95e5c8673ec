package io.vmimport.provider.vmware.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.SourceSpec;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VmwareSettingsTest {
  private static SourceSpec source(Map<String, String> settings, Map<String, String> secret) {
    return new SourceSpec("vmware", "ns", "vc", settings, new Credentials("vc-creds", secret));
  }

  private static final Map<String, String> SECRET =
      Map.of("username", "admin@vsphere.local", "password", "Top-Secret-99");

  @Test
  void addsSdkPathAndTrimsDatacenterSlashes() {
    VmwareSettings settings =
        VmwareSettings.of(
            source(Map.of("endpoint", "https://vc.example:8443", "dc", "/Site/DC1/"), SECRET));
    assertThat(settings.sdkUrl()).hasToString("https://vc.example:8443/sdk");
    assertThat(settings.datacenter()).isEqualTo("Site/DC1");
    assertThat(settings.hostAndPort()).isEqualTo("vc.example:8443");
    assertThat(settings.insecureSkipTlsVerify()).isFalse();
    assertThat(settings.toString()).doesNotContain("Top-Secret-99");
  }

  @Test
  void readsTheCaFromAnyOfTheUpstreamKeysAndTheInsecureOptIn() {
    Map<String, String> secret = new HashMap<>(SECRET);
    secret.put("ca.crt", "PEM");
    VmwareSettings settings =
        VmwareSettings.of(
            source(
                Map.of("endpoint", "https://vc/sdk", "dc", "DC0", "insecureSkipTLSVerify", "true"),
                secret));
    assertThat(settings.caPem()).contains("PEM");
    assertThat(settings.insecureSkipTlsVerify()).isTrue();
  }

  @Test
  void plainHttpEndpointIsRejectedNamingTheField() {
    assertThatThrownBy(
            () ->
                VmwareSettings.of(source(Map.of("endpoint", "http://vc/sdk", "dc", "DC0"), SECRET)))
        .isInstanceOf(VmImportException.class)
        .hasMessageContaining("spec.endpoint")
        .hasMessageContaining("https")
        .extracting(e -> ((VmImportException) e).code())
        .isEqualTo(ErrorCode.INVALID_SPEC);
  }

  @Test
  void missingDatacenterAndPasswordAreNamed() {
    assertThatThrownBy(
            () -> VmwareSettings.of(source(Map.of("endpoint", "https://vc/sdk"), SECRET)))
        .hasMessageContaining("spec.dc");
    assertThatThrownBy(
            () ->
                VmwareSettings.of(
                    source(
                        Map.of("endpoint", "https://vc/sdk", "dc", "DC0"),
                        Map.of("username", "u"))))
        .hasMessageContaining("vc-creds")
        .hasMessageContaining("'password'");
  }

  @Test
  void badCaPemIsInvalidSpecNamingTheSecret() {
    assertThatThrownBy(
            () -> VimTls.verifying(java.util.Optional.of("not a certificate"), "vc-creds"))
        .isInstanceOf(VmImportException.class)
        .hasMessageContaining("vc-creds")
        .hasMessageContaining("caCert");
  }

  @Test
  void aPasswordInTheEndpointIsNeitherUsedNorShown() {
    VmwareSettings settings =
        VmwareSettings.of(
            source(Map.of("endpoint", "https://u:S3cretPw@vc.example/sdk", "dc", "DC0"), SECRET));
    assertThat(settings.sdkUrl()).hasToString("https://vc.example/sdk");
    assertThat(settings.toString()).doesNotContain("S3cretPw");

    for (String refused :
        new String[] {"http://u:S3cretPw@vc.example/sdk", "https://u:S3cretPw@vc example/sdk"}) {
      assertThatThrownBy(
              () -> VmwareSettings.of(source(Map.of("endpoint", refused, "dc", "DC0"), SECRET)))
          .isInstanceOf(VmImportException.class)
          .hasMessageContaining("spec.endpoint")
          .hasMessageContaining("***@")
          .hasMessageNotContaining("S3cretPw")
          .hasNoCause();
    }
  }
}
