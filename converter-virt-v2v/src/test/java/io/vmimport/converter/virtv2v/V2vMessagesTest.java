package io.vmimport.converter.virtv2v;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class V2vMessagesTest {
  /** What virt-v2v-in-place 2.2 printed on stdout converting the Debian test guest. */
  static final List<String> DEBIAN_RUN =
      List.of(
          "{ \"message\": \"Setting up the source: -i libvirtxml dom.xml\", \"timestamp\":"
              + " \"2026-12-03T12:05:54.826872336+00:00\", \"type\": \"message\" }",
          "[   0.0] Setting up the source: -i libvirtxml dom.xml",
          "{ \"message\": \"Opening the source\", \"timestamp\":"
              + " \"2026-12-03T12:05:56.005929410+00:00\", \"type\": \"message\" }",
          "[   1.2] Opening the source",
          "{ \"message\": \"Inspecting the source\", \"timestamp\":"
              + " \"2026-12-03T12:06:50.042672894+00:00\", \"type\": \"message\" }",
          "{ \"message\": \"Converting 12.15 to run on KVM\", \"timestamp\":"
              + " \"2026-12-03T12:07:17.612097914+00:00\", \"type\": \"message\" }",
          "[  82.8] Converting 12.15 to run on KVM",
          "{ \"message\": \"could not determine a way to update the configuration of Grub2\","
              + " \"timestamp\": \"2026-12-03T12:07:39.867881082+00:00\", \"type\": \"warning\" }",
          "virt-v2v-in-place: warning: could not determine a way to update the configuration of"
              + " Grub2",
          "{ \"message\": \"The QEMU Guest Agent will be installed for this guest at first"
              + " boot.\", \"timestamp\": \"2026-12-03T12:07:51.803531400+00:00\", \"type\":"
              + " \"info\" }");

  @Test
  void readsTheJsonMessagesAndSkipsTheirHumanCopies() {
    List<V2vMessages.Message> messages = V2vMessages.parseAll(DEBIAN_RUN);

    assertThat(messages)
        .extracting(V2vMessages.Message::text)
        .containsExactly(
            "Setting up the source: -i libvirtxml dom.xml",
            "Opening the source",
            "Inspecting the source",
            "Converting 12.15 to run on KVM",
            "could not determine a way to update the configuration of Grub2",
            "The QEMU Guest Agent will be installed for this guest at first boot.");
    assertThat(messages.get(4).warning()).isTrue();
    assertThat(messages.get(5).type()).isEqualTo("info");
  }

  @Test
  void stagesGiveAPercentThatGrowsAndConvertingNamesTheProduct() {
    List<V2vMessages.Message> messages = V2vMessages.parseAll(DEBIAN_RUN);

    assertThat(messages.subList(0, 4))
        .extracting(m -> m.percent().orElseThrow())
        .isSorted()
        .doesNotHaveDuplicates()
        .allMatch(p -> p > 0 && p < 100);
    assertThat(messages.get(3).convertingProduct()).contains("12.15");
    assertThat(messages.get(4).percent()).isEmpty();
  }

  @Test
  void escapedQuotesInAMessageSurvive() {
    assertThat(
            V2vMessages.parse(
                    "{ \"message\": \"disk \\\"sda\\\" \\u00e9\", \"type\": \"warning\" }")
                .orElseThrow()
                .text())
        .isEqualTo("disk \"sda\" \u00e9");
    assertThat(V2vMessages.parse("12/100")).isEmpty();
  }

  @Test
  void debianNamesOnlyItsVersionWhichBecomesTheVersionOfTheHintedFamily() {
    var request =
        new io.vmimport.api.guest.GuestConversionRequest(
            "db",
            java.util.List.of(
                new io.vmimport.api.guest.GuestDisk(
                    java.nio.file.Path.of("/d.qcow2"), io.vmimport.api.model.DiskFormat.QCOW2)),
            io.vmimport.api.model.FirmwareType.BIOS,
            io.vmimport.api.model.DiskBus.VIRTIO,
            java.util.Optional.empty(),
            java.util.Optional.of("debian10_64Guest"),
            java.time.Duration.ofMinutes(1));

    assertThat(VirtV2vConverter.converted("12.15", request).describe()).isEqualTo("linux 12.15");
    assertThat(VirtV2vConverter.converted("Red Hat Enterprise Linux 9.4", request).describe())
        .isEqualTo("Red Hat Enterprise Linux 9.4");
  }
}
