package io.vmimport.converter.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.convert.DiskInfo;
import io.vmimport.api.model.DiskFormat;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class QemuImgInfoTest {
  private static final Path IMAGE = Path.of("/scratch/disk-0.img");

  /** Printed by qemu-img 7.2 for a streamOptimized VMDK. */
  private static final String VMDK =
      """
      {
          "virtual-size": 67108864,
          "filename": "s.vmdk",
          "cluster-size": 65536,
          "format": "vmdk",
          "actual-size": 4247552,
          "format-specific": {
              "type": "vmdk",
              "data": {
                  "cid": 1759827888,
                  "parent-cid": 4294967295,
                  "create-type": "streamOptimized",
                  "extents": [
                      {
                          "compressed": true,
                          "virtual-size": 67108864,
                          "filename": "s.vmdk",
                          "cluster-size": 65536,
                          "format": ""
                      }
                  ]
              }
          },
          "dirty-flag": false
      }
      """;

  @Test
  void readsFormatAndSizes() {
    QemuImgInfo info = QemuImgInfo.parse(VMDK, IMAGE);

    assertThat(info.format()).isEqualTo("vmdk");
    assertThat(info.virtualSizeBytes()).isEqualTo(67108864L);
    assertThat(info.actualSizeBytes()).hasValue(4247552L);
    assertThat(info.backingFile()).isEmpty();
    assertThat(info.toDiskInfo(IMAGE))
        .isEqualTo(new DiskInfo(DiskFormat.VMDK, 67108864L, OptionalLong.of(4247552L)));
  }

  @Test
  void mapsEveryQemuFormatNameVmimportKnows() {
    for (DiskFormat format : DiskFormat.values()) {
      String json = "{\"format\": \"" + format.id() + "\", \"virtual-size\": 1048576}";
      assertThat(QemuImgInfo.parse(json, IMAGE).diskFormat(IMAGE)).isEqualTo(format);
    }
  }

  @Test
  void actualSizeIsOptional() {
    QemuImgInfo info = QemuImgInfo.parse("{\"format\": \"raw\", \"virtual-size\": 512}", IMAGE);

    assertThat(info.actualSizeBytes()).isEmpty();
    assertThat(info.toDiskInfo(IMAGE).fileSizeBytes()).isEmpty();
  }

  @Test
  void readsBackingFile() {
    QemuImgInfo info =
        QemuImgInfo.parse(
            """
            {"format": "qcow2", "virtual-size": 512, "backing-filename": "/etc/shadow",
             "backing-filename-format": "raw"}
            """,
            IMAGE);

    assertThat(info.backingFile()).hasValue("/etc/shadow");
  }

  @Test
  void unknownFormatNamesFileAndFormat() {
    QemuImgInfo info = QemuImgInfo.parse("{\"format\": \"vdi\", \"virtual-size\": 512}", IMAGE);

    assertThatThrownBy(() -> info.toDiskInfo(IMAGE))
        .isInstanceOfSatisfying(
            VmImportException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.CONVERSION_FAILED))
        .hasMessageContaining(IMAGE.toString())
        .hasMessageContaining("'vdi'")
        .hasMessageContaining("qcow2");
  }

  @Test
  void rejectsOutputThatIsNotQemuImgInfo() {
    for (String json :
        new String[] {
          "",
          "not json",
          "[1, 2]",
          "{\"virtual-size\": 512}",
          "{\"format\": \"raw\"}",
          "{\"format\": \"raw\", \"virtual-size\": \"big\"}",
          "{\"format\": \"raw\", \"virtual-size\": -1}",
          "{\"format\": 7, \"virtual-size\": 512}"
        }) {
      assertThatThrownBy(() -> QemuImgInfo.parse(json, IMAGE))
          .as("output %s", json)
          .isInstanceOfSatisfying(
              VmImportException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.CONVERSION_FAILED))
          .hasMessageContaining(IMAGE.toString());
    }
  }
}
