package io.vmimport.converter.virtv2v;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.guest.ConversionControl;
import io.vmimport.api.guest.GuestConversionRequest;
import io.vmimport.api.guest.GuestDisk;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.FirmwareType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtV2vConverterTest {
  private static final VirtV2vConverter MISSING =
      new VirtV2vConverter(
          new VirtV2vConverter.Tools(
              "/nonexistent/virt-v2v-in-place",
              "/nonexistent/virt-v2v-inspector",
              "qemu-img",
              Optional.of(false),
              Optional.empty()));

  @Test
  void withoutTheToolsItSaysWhatToInstall() {
    assertThat(MISSING.unavailable())
        .hasValueSatisfying(
            why ->
                assertThat(why)
                    .contains("/nonexistent/virt-v2v-in-place", "/nonexistent/virt-v2v-inspector")
                    .contains("apt-get install --no-install-recommends virt-v2v libguestfs-tools"));
  }

  @Test
  void convertingWithoutTheToolsIsNotSupportedAndSaysWhy() {
    GuestConversionRequest request =
        new GuestConversionRequest(
            "db",
            List.of(new GuestDisk(Path.of("/nonexistent/disk-0.qcow2"), DiskFormat.QCOW2)),
            FirmwareType.BIOS,
            DiskBus.VIRTIO,
            Optional.empty(),
            Optional.empty(),
            Duration.ofMinutes(1));

    assertThatThrownBy(() -> MISSING.convert(request, ConversionControl.NONE))
        .isInstanceOfSatisfying(
            VmImportException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_SUPPORTED))
        .hasMessageContaining("install virt-v2v");
  }

  /**
   * The image points libguestfs' cache into scratch space, which starts empty; libguestfs refuses a
   * cache directory that does not exist, so the converter makes it (a worker's conversion failed
   * with "set_cachedir: realpath: No such file or directory" before).
   */
  @Test
  void theApplianceCacheIsMadeWhereItIsConfigured(@TempDir Path dir) {
    Path cache = dir.resolve("scratch").resolve(".guestfs");

    Map<String, String> env = withCache(cache).environment();

    assertThat(cache).isDirectory();
    assertThat(env).containsEntry("LIBGUESTFS_CACHEDIR", cache.toString());
  }

  @Test
  void anApplianceCacheThatCannotBeMadeSaysWhichVariableToFix(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("scratch"), "a file, not a directory");

    assertThatThrownBy(() -> withCache(file.resolve(".guestfs")).environment())
        .isInstanceOfSatisfying(
            VmImportException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.CONVERSION_FAILED))
        .hasMessageContaining("LIBGUESTFS_CACHEDIR=" + file.resolve(".guestfs"))
        .hasMessageContaining("point LIBGUESTFS_CACHEDIR at a writable directory");
  }

  private static VirtV2vConverter withCache(Path cache) {
    return new VirtV2vConverter(
        new VirtV2vConverter.Tools(
            "virt-v2v-in-place",
            "virt-v2v-inspector",
            "qemu-img",
            Optional.of(false),
            Optional.of(cache)));
  }
}
