package io.vmimport.provider.openstack.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.SourceSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpenstackSettingsTest {
  private static final Map<String, String> SECRET =
      Map.of(
          "username", "importer",
          "password", "s3cret-value-99",
          "project_name", "imports",
          "domain_name", "acme");

  private static SourceSpec spec(Map<String, String> settings, Map<String, String> secret) {
    return new SourceSpec(
        "openstack", "ns", "cloud", settings, new Credentials("ns/cloud-secret", secret));
  }

  private static Map<String, String> settings(String count, String delay) {
    Map<String, String> settings = new HashMap<>();
    settings.put("endpoint", "https://keystone.example:5000/v3");
    settings.put("region", "RegionOne");
    settings.put("uploadImageRetryCount", count);
    settings.put("uploadImageRetryDelay", delay);
    return settings;
  }

  @Test
  void zeroOrNegativeRetrySettingsMeanTheDefaults() {
    OpenstackSettings parsed = OpenstackSettings.from(spec(settings("0", "-5"), SECRET));

    assertThat(parsed.uploadImageRetryCount()).isEqualTo(30);
    assertThat(parsed.uploadImageRetryDelay()).isEqualTo(Duration.ofSeconds(10));
    assertThat(parsed.userDomain()).isEqualTo("acme");
    assertThat(parsed.projectDomain()).isEqualTo("acme");
  }

  @Test
  void explicitRetrySettingsAreKept() {
    OpenstackSettings parsed = OpenstackSettings.from(spec(settings("5", "3"), SECRET));

    assertThat(parsed.uploadImageRetryCount()).isEqualTo(5);
    assertThat(parsed.uploadImageRetryDelay()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aRetryCountThatIsNoNumberNamesTheField() {
    VmImportException failure =
        catchThrowableOfType(
            VmImportException.class,
            () -> OpenstackSettings.from(spec(settings("many", "3"), SECRET)));

    assertThat(failure.code()).isEqualTo(ErrorCode.INVALID_SPEC);
    assertThat(failure.getMessage()).contains("spec.uploadImageRetryCount").contains("many");
  }

  @Test
  void anEndpointThatIsNoHttpUrlIsRejected() {
    Map<String, String> settings = settings("1", "1");
    settings.put("endpoint", "keystone.example:5000");

    VmImportException failure =
        catchThrowableOfType(
            VmImportException.class, () -> OpenstackSettings.from(spec(settings, SECRET)));

    assertThat(failure.code()).isEqualTo(ErrorCode.INVALID_SPEC);
    assertThat(failure.getMessage()).contains("spec.endpoint");
  }

  @Test
  void aMissingPasswordNamesTheSecretAndKey() {
    Map<String, String> secret = new HashMap<>(SECRET);
    secret.remove("password");

    VmImportException failure =
        catchThrowableOfType(
            VmImportException.class,
            () -> OpenstackSettings.from(spec(settings("1", "1"), secret)));

    assertThat(failure.code()).isEqualTo(ErrorCode.INVALID_SPEC);
    assertThat(failure.getMessage()).contains("ns/cloud-secret").contains("'password'");
  }

  @Test
  void separateDomainsOverrideDomainNameAndToStringHidesThePassword() {
    Map<String, String> secret = new HashMap<>(SECRET);
    secret.put("user_domain_name", "users");
    secret.put("project_domain_name", "projects");

    OpenstackSettings parsed = OpenstackSettings.from(spec(settings("1", "1"), secret));

    assertThat(parsed.userDomain()).isEqualTo("users");
    assertThat(parsed.projectDomain()).isEqualTo("projects");
    assertThat(parsed.toString()).doesNotContain("s3cret-value-99").contains("importer@users");
  }

  @Test
  void plainHttpKeystoneIsRefusedNamingTheFieldAndTheOptIn() {
    Map<String, String> settings = settings("1", "1");
    settings.put("endpoint", "http://keystone.example:5000/v3");

    VmImportException failure =
        catchThrowableOfType(
            VmImportException.class, () -> OpenstackSettings.from(spec(settings, SECRET)));

    assertThat(failure.code()).isEqualTo(ErrorCode.INVALID_SPEC);
    assertThat(failure.retryable()).isFalse();
    assertThat(failure.getMessage())
        .contains("spec.endpoint")
        .contains("plain HTTP")
        .contains("spec.insecurePlainHTTP: \"true\"")
        .contains("insecure_plain_http");
  }

  @Test
  void plainHttpKeystoneIsAcceptedWithTheOptInInTheSpecOrTheSecret() {
    Map<String, String> settings = settings("1", "1");
    settings.put("endpoint", "http://keystone.example:5000/v3");
    Map<String, String> optedIn = new HashMap<>(settings);
    optedIn.put("insecurePlainHTTP", "true");
    Map<String, String> secretOptIn = new HashMap<>(SECRET);
    secretOptIn.put("insecure_plain_http", "true");

    assertThat(OpenstackSettings.from(spec(optedIn, SECRET)).insecurePlainHttp()).isTrue();
    assertThat(OpenstackSettings.from(spec(settings, secretOptIn)).insecurePlainHttp()).isTrue();
    assertThat(OpenstackSettings.from(spec(settings("1", "1"), SECRET)).insecurePlainHttp())
        .isFalse();
  }

  @Test
  void aPasswordInTheEndpointIsNeitherUsedNorShown() {
    Map<String, String> settings = settings("1", "1");
    settings.put("endpoint", "https://u:S3cretPw@keystone.example:5000/v3");

    OpenstackSettings parsed = OpenstackSettings.from(spec(settings, SECRET));

    assertThat(parsed.endpoint().toString()).isEqualTo("https://keystone.example:5000/v3");
    assertThat(parsed.toString()).doesNotContain("S3cretPw");
  }

  @Test
  void refusedEndpointsWithAPasswordDoNotShowIt() {
    for (String endpoint :
        new String[] {
          "http://u:S3cretPw@keystone.example:5000/v3",
          "https://u:S3cretPw@keystone example/v3",
          "ftp://u:S3cretPw@keystone.example/v3"
        }) {
      Map<String, String> settings = settings("1", "1");
      settings.put("endpoint", endpoint);

      VmImportException failure =
          catchThrowableOfType(
              VmImportException.class, () -> OpenstackSettings.from(spec(settings, SECRET)));

      assertThat(failure).as(endpoint).isNotNull();
      for (Throwable t = failure; t != null; t = t.getCause()) {
        assertThat(t.toString()).as("%s: %s", endpoint, t.getClass()).doesNotContain("S3cretPw");
      }
      assertThat(failure.getMessage()).contains("spec.endpoint").contains("***@");
    }
  }
}
