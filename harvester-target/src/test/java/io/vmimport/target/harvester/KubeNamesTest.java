package io.vmimport.target.harvester;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.target.harvester.internal.KubeNames;
import org.junit.jupiter.api.Test;

class KubeNamesTest {
  private static final String LONG_VM =
      "a-vm-name-that-is-exactly-sixty-three-characters-long-abcdefghi";

  @Test
  void longNamesAreCutWithAHashSoTheyStayDistinctAndValid() {
    String first = KubeNames.dnsLabel(LONG_VM + "-disk-0-1");
    String second = KubeNames.dnsLabel(LONG_VM + "-disk-1-1");

    assertThat(LONG_VM).hasSize(63);
    assertThat(first).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    assertThat(second).hasSizeLessThanOrEqualTo(63).isNotEqualTo(first);
    assertThat(KubeNames.dnsLabel(LONG_VM + "-disk-0-1")).isEqualTo(first);
  }

  @Test
  void validNamesAndLabelValuesAreKept() {
    assertThat(KubeNames.dnsLabel("web-01")).isEqualTo("web-01");
    assertThat(KubeNames.dnsLabel("Web_01.")).isEqualTo("web-01");
    assertThat(KubeNames.labelValue("Web_01.vmdk")).isEqualTo("Web_01.vmdk");
    assertThat(KubeNames.labelValue("Web Server 01")).hasSize(40).matches("[0-9a-f]+");
  }
}
