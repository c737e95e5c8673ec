package io.vmimport.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.SourceSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SourceIdentityTest {
  @Test
  void isTheKindAndEndpointWhateverTheSourceObjectIsCalled() {
    assertThat(
            SourceIdentity.of(
                source(
                    "vmware", "prod", "vc", Map.of("endpoint", "https://VC.lab/sdk", "dc", "dc1"))))
        .isEqualTo("vmware https://vc.lab/sdk")
        .isEqualTo(
            SourceIdentity.of(
                source("VMware", "other", "vcenter", Map.of("endpoint", " https://vc.lab/sdk"))));
  }

  @Test
  void carriesNoUserInfoAndOnlyADigestOfTheQuery() {
    String identity =
        SourceIdentity.of(
            source(
                "ova",
                "default",
                "appliance",
                Map.of("url", "https://user:pw@files.lab:8443/a.ova?X-Amz-Signature=s3cr3t")));

    assertThat(identity)
        .startsWith("ova https://files.lab:8443/a.ova?sha256:")
        .doesNotContain("user", "pw", "s3cr3t");
    assertThat(identity)
        .isNotEqualTo(
            SourceIdentity.of(
                source(
                    "ova",
                    "default",
                    "appliance",
                    Map.of("url", "https://files.lab:8443/a.ova?X-Amz-Signature=other"))));
  }

  @Test
  void aSourceWithoutAnEndpointIsAllItsSettingsInOrder() {
    assertThat(
            SourceIdentity.of(source("acme", "default", "x", Map.of("zone", "b", "account", "42"))))
        .isEqualTo("acme account=42 zone=b");
  }

  private static SourceSpec source(
      String kind, String namespace, String name, Map<String, String> settings) {
    return new SourceSpec(kind, namespace, name, settings, Credentials.NONE);
  }
}
