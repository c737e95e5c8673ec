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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VirtV2vConverterTest {
  private static final VirtV2vConverter MISSING =
      new VirtV2vConverter(
          new VirtV2vConverter.Tools(
              "/nonexistent/virt-v2v-in-place",
              "/nonexistent/virt-v2v-inspector",
              "qemu-img",
              Optional.of(false)));

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
}
