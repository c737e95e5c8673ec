package io.vmimport.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.SourceSpec;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UserInfoRedactionTest {
  @Test
  void masksThePasswordOfEveryUrlInAMessage() {
    String message =
        "cannot reach Keystone at https://admin:S3cretPw@10.0.0.1:5000/v3; also tried"
            + " 'http://u:S3cretPw@h/x'";

    String redacted = UserInfoRedaction.redact(message);

    assertThat(redacted)
        .doesNotContain("S3cretPw")
        .contains("https://***@10.0.0.1:5000/v3")
        .contains("'http://***@h/x'");
  }

  @Test
  void masksPasswordsWithUnescapedAtAndSlash() {
    assertThat(UserInfoRedaction.redact("https://u:p@ss/w@rd@host:5000/v3 refused"))
        .isEqualTo("https://***@host:5000/v3 refused");
  }

  @Test
  void leavesTextWithoutUserInfoAlone() {
    String text = "https://host:5000/v3 answered 401 for user admin@example.com";

    assertThat(UserInfoRedaction.redact(text)).isEqualTo(text);
  }

  @Test
  void stripsTheUserInfoOfAUri() {
    assertThat(UserInfoRedaction.strip(URI.create("https://u:S3cretPw@host:5001/v3?x=1")))
        .isEqualTo(URI.create("https://host:5001/v3?x=1"));
    URI plain = URI.create("https://host/v3");
    assertThat(UserInfoRedaction.strip(plain)).isSameAs(plain);
  }

  @Test
  void aSourceSpecShowsNeitherTheEndpointsPasswordNorTheSecretsValues() {
    SourceSpec spec =
        new SourceSpec(
            "openstack",
            "ns",
            "cloud",
            Map.of("endpoint", "https://u:S3cretPw@keystone:5000/v3", "region", "RegionOne"),
            new Credentials("ns/creds", Map.of("password", "Other-Secret-9")));

    assertThat(spec.toString())
        .doesNotContain("S3cretPw")
        .doesNotContain("Other-Secret-9")
        .contains("https://***@keystone:5000/v3");
  }
}
