package io.vmimport.bootcheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class GuestReportTest {
  static final String LINE =
      "[   41.2] VMIMPORT-BOOT-OK root=/dev/sda1 opts=rw,relatime fw=uefi secureboot=0 cpus=4"
          + " sockets=2 cores=2 threads=1 mem_mib=2048 memtotal_kib=1996544"
          + " macs=00:50:56:AA:BB:02,00:50:56:aa:bb:01, disks=sda, modules=ahci,sd_mod,"
          + " kernel=6.1.0-41-amd64";

  @Test
  void readsWhatTheGuestSaw() {
    GuestReport report = GuestReport.parse(LINE);

    assertThat(report.rootDevice()).isEqualTo("/dev/sda1");
    assertThat(report.rootMountOptions()).startsWith("rw");
    assertThat(report.firmware()).isEqualTo("uefi");
    assertThat(report.secureBoot()).isFalse();
    assertThat(report.cpus()).isEqualTo(4);
    assertThat(report.sockets()).isEqualTo(2);
    assertThat(report.coresPerSocket()).isEqualTo(2);
    assertThat(report.threadsPerCore()).isEqualTo(1);
    assertThat(report.memoryMiB()).isEqualTo(2048);
    assertThat(report.macAddresses()).containsExactly("00:50:56:aa:bb:01", "00:50:56:aa:bb:02");
    assertThat(report.disks()).containsExactly("sda");
    assertThat(report.modules()).containsExactly("ahci", "sd_mod");
    assertThat(report.kernel()).isEqualTo("6.1.0-41-amd64");
  }

  @Test
  void aValueTheGuestDidNotReportIsAnErrorNotADefault() {
    GuestReport report = GuestReport.parse("VMIMPORT-BOOT-OK root=/dev/vda1 opts=rw fw=bios");

    assertThatThrownBy(report::cpus).hasMessageContaining("did not report cpus");
    assertThatThrownBy(() -> GuestReport.parse("Debian GNU/Linux 12 vmimport-guest ttyS0"))
        .hasMessageContaining("not a boot marker line");
  }

  @Test
  void theMarkerCountsOnlyOnceItsLineIsComplete() {
    assertThat(
            BootCheck.completeLineWith(
                "boot\nVMIMPORT-BOOT-OK root=/dev/sda1 opts=r", "VMIMPORT-BOOT-OK"))
        .isEmpty();
    assertThat(
            BootCheck.completeLineWith(
                "boot\r\nVMIMPORT-BOOT-OK root=/dev/sda1\r\nlogin:", "VMIMPORT-BOOT-OK"))
        .isEqualTo(Optional.of("VMIMPORT-BOOT-OK root=/dev/sda1"));
  }

  @Test
  void failureSignaturesOfAGuestThatCannotBoot() {
    for (String console :
        new String[] {
          "ALERT!  /dev/sda1 does not exist.  Dropping to a shell!",
          "Gave up waiting for root file system device.",
          "Kernel panic - not syncing: VFS: Unable to mount root fs",
          "You are in emergency mode. After logging in, type \"journalctl -xb\"",
          "Boot failed: not a bootable disk",
          "No bootable device.",
          "VMIMPORT-BOOT-RO root=/dev/sda1 opts=ro"
        }) {
      assertThat(BootCheck.FAILURE.matcher(console).find()).as(console).isTrue();
    }
    assertThat(BootCheck.FAILURE.matcher(LINE).find()).isFalse();
  }
}
