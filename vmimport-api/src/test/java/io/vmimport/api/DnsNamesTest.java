package io.vmimport.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DnsNamesTest {
  @Test
  void validLabelsAreKept() {
    assertThat(DnsNames.toLabel("web-01")).isEqualTo("web-01");
  }

  @Test
  void invalidNamesBecomeReadableStableLabels() {
    String label = DnsNames.toLabel("My_VM.Prod");

    assertThat(label).matches("my-vm-prod-[0-9a-f]{8}");
    assertThat(DnsNames.isLabel(label)).isTrue();
    assertThat(DnsNames.toLabel("My_VM.Prod")).as("stable").isEqualTo(label);
  }

  @Test
  void namesDifferingOnlyInPunctuationStayDistinct() {
    assertThat(DnsNames.toLabel("My_VM.Prod")).isNotEqualTo(DnsNames.toLabel("My-VM-Prod"));
    assertThat(DnsNames.toLabel("My_VM.Prod")).isNotEqualTo("my-vm-prod");
  }

  @Test
  void longNamesAreCutTo63Characters() {
    String base = "a".repeat(89);
    String first = DnsNames.toLabel(base + "1");
    String second = DnsNames.toLabel(base + "2");

    assertThat(first).hasSizeLessThanOrEqualTo(63);
    assertThat(DnsNames.isLabel(first)).isTrue();
    assertThat(first).isNotEqualTo(second);
  }

  @Test
  void namesWithoutUsableCharactersStillGetALabel() {
    String label = DnsNames.toLabel("___");

    assertThat(label).matches("vm-[0-9a-f]{8}");
  }

  /** {@code Web} and {@code web} are two VMs; harvester-target used to give both {@code web}. */
  @Test
  void namesDifferingOnlyInCaseStayDistinct() {
    assertThat(DnsNames.toLabel("Web")).matches("web-[0-9a-f]{8}");
    assertThat(DnsNames.toLabel("Web")).isNotEqualTo(DnsNames.toLabel("web"));
  }

  @Test
  void subdomainsAndLabelsFollowTheApiServersRules() {
    assertThat(DnsNames.isSubdomain("web.prod")).isTrue();
    assertThat(DnsNames.isLabel("web.prod")).isFalse();
    assertThat(DnsNames.subdomainProblem("Web_01")).get().asString().contains("DNS-1123 subdomain");
    assertThat(DnsNames.labelProblem("a".repeat(64)))
        .contains("must be no more than 63 characters");
    assertThat(DnsNames.subdomainProblem("a".repeat(254)))
        .contains("must be no more than 253 characters");
    assertThat(DnsNames.subdomainProblem("a.".repeat(126) + "a")).isEmpty();
  }
}
