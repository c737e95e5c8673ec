package io.vmimport.converter.virtv2v;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.guest.ConversionControl;
import io.vmimport.api.guest.GuestConversionRequest;
import io.vmimport.api.guest.GuestConversionResult;
import io.vmimport.api.guest.GuestDisk;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.FirmwareType;
import io.vmimport.api.model.NicModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real virt-v2v-in-place on a disk with no operating system: it fails, and the failure must
 * leave the disk as it was and say why. (Converting a real guest, and a conversion killed midway,
 * are proven by boot-check's ITs, which build one.)
 */
class VirtV2vConverterIT {
  @TempDir Path dir;

  @BeforeAll
  static void requireTools() {
    Optional<String> missing = new VirtV2vConverter().unavailable();
    if (missing.isPresent()) {
      String ci = System.getenv("CI");
      if (ci != null && !ci.isBlank() && !"false".equalsIgnoreCase(ci)) {
        throw new AssertionError(
            missing.get() + " (CI is set: scripts/install-test-deps.sh installs them)");
      }
      Assumptions.abort("skipped: " + missing.get());
    }
  }

  @Test
  void aDiskWithoutAnOperatingSystemFailsWithTheToolsWordsAndStaysUnchanged() throws Exception {
    Path disk = dir.resolve("blank.raw");
    byte[] data = new byte[8 << 20];
    new Random(16).nextBytes(data);
    // an MBR signature without a guest behind it: past the quick look, into virt-v2v
    data[510] = 0x55;
    data[511] = (byte) 0xaa;
    Files.write(disk, data);
    String before = sha256(disk);
    List<String> stages = new java.util.concurrent.CopyOnWriteArrayList<>();

    GuestConversionResult result =
        new VirtV2vConverter()
            .convert(
                new GuestConversionRequest(
                    "blank",
                    List.of(new GuestDisk(disk, DiskFormat.RAW)),
                    FirmwareType.BIOS,
                    DiskBus.VIRTIO,
                    Optional.of(NicModel.VIRTIO),
                    Optional.empty(),
                    Duration.ofMinutes(10)),
                new ConversionControl() {
                  @Override
                  public boolean cancelled() {
                    return false;
                  }

                  @Override
                  public void progress(String stage, int percent) {
                    stages.add(stage);
                  }
                });

    assertThat(result.outcome()).isEqualTo(GuestConversionResult.Outcome.FAILED);
    assertThat(result.reason()).contains("virt-v2v-in-place failed").contains("unchanged");
    assertThat(String.join("\n", result.logTail()))
        .as("the tool's own words on why")
        .containsIgnoringCase("inspection");
    assertThat(stages).contains("Opening the source");
    assertThat(sha256(disk)).as("the disk after a failed conversion").isEqualTo(before);
    try (var left = Files.list(dir)) {
      assertThat(left).as("overlays are removed").containsExactly(disk);
    }
  }

  @Test
  void aDiskWithNeitherPartitionTableNorFileSystemIsDeclinedWithoutStartingTheAppliance()
      throws Exception {
    Path disk = dir.resolve("data.raw");
    byte[] data = new byte[1 << 20];
    new Random(17).nextBytes(data);
    data[510] = 0;
    Files.write(disk, data);
    long start = System.nanoTime();

    GuestConversionResult result =
        new VirtV2vConverter()
            .convert(
                new GuestConversionRequest(
                    "data",
                    List.of(new GuestDisk(disk, DiskFormat.RAW)),
                    FirmwareType.BIOS,
                    DiskBus.VIRTIO,
                    Optional.empty(),
                    Optional.of("debian10_64Guest"),
                    Duration.ofMinutes(10)),
                ConversionControl.NONE);

    assertThat(result.outcome()).isEqualTo(GuestConversionResult.Outcome.DECLINED);
    assertThat(result.reason()).contains("no partition table or file system", "data.raw");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    try (var left = Files.list(dir)) {
      assertThat(left).containsExactly(disk);
    }
  }

  static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
