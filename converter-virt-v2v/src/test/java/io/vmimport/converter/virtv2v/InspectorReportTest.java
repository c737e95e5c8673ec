package io.vmimport.converter.virtv2v;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.guest.GuestOs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectorReportTest {
  @TempDir Path dir;

  @Test
  void readsWhatVirtV2vInspectorWroteForTheDebianTestGuest() throws Exception {
    // virt-v2v-inspector 2.2 on boot-check's BIOS guest (the disk path shortened)
    Path xml = Path.of(getClass().getResource("/inspection-debian12.xml").toURI());

    Optional<GuestOs> os = InspectorReport.read(xml);

    assertThat(os).isPresent();
    assertThat(os.get().family()).isEqualTo(GuestOs.Family.LINUX);
    assertThat(os.get().distro()).contains("debian");
    assertThat(os.get().version()).contains("12.15");
    assertThat(os.get().product()).as("'12.15' is no product name").isEmpty();
    assertThat(os.get().describe()).isEqualTo("linux debian 12.15");
  }

  @Test
  void aReportWithoutAnOperatingSystemNamesNone() throws Exception {
    Path xml = dir.resolve("empty.xml");
    Files.writeString(xml, "<v2v-inspection><disks/></v2v-inspection>");

    assertThat(InspectorReport.read(xml)).isEmpty();
  }
}
