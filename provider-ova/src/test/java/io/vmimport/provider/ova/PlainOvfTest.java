package io.vmimport.provider.ova;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.SourceRef;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmLocator;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plain {@code .ovf} URL with its files beside it: COT's VMware-style descriptor in ../shared,
 * its disk, ISO and text file next to it with a SHA-1 manifest, read where they lie ({@code
 * file://}); and the ways such a directory can be wrong.
 */
class PlainOvfTest {
  private final OvaSourceProvider provider = new OvaSourceProvider();
  @TempDir Path work;

  static SourceSpec source(URI url, Map<String, String> secret) {
    return new SourceSpec(
        "ova",
        "default",
        "plain-ovf",
        Map.of("url", url.toString(), "httpTimeoutSeconds", "20"),
        new Credentials("default/plain-ovf", secret));
  }

  /** The VM of COT's input.ovf, its default configuration, and its disk exported byte for byte. */
  static void checkCotInput(SourceSession session, Path work) throws Exception {
    assertThat(session.validator().checkSource()).isEmpty();
    SourceVm vm = session.inventory().describe(VmLocator.of("test"));
    assertThat(vm.cpu().vcpus()).isEqualTo(4);
    assertThat(vm.memoryMiB()).isEqualTo(4096);
    assertThat(vm.disks()).hasSize(1);
    assertThat(vm.disks().get(0).capacityBytes()).isEqualTo(1L << 30);
    Path exported = work.resolve("exported-" + System.nanoTime() + ".vmdk");
    OvaExports.exportFirstDisk(session, "test", exported);
    assertThat(Files.mismatch(exported, SharedOva.cot("input.vmdk"))).isEqualTo(-1);
    List<ValidationIssue> issues = session.validator().preflight(spec("test"));
    assertThat(issues).isEmpty();
  }

  static ImportSpec spec(String vm) {
    return ImportSpec.builder(
            new SourceRef("migration.harvesterhci.io/v1beta1", "OvaSource", "plain-ovf", "default"),
            vm)
        .build();
  }

  @Test
  void aDescriptorWithItsFilesBesideItIsReadWhereItLies() throws Exception {
    try (SourceSession session =
        provider.open(source(SharedOva.cot("input.ovf").toUri(), Map.of()))) {
      checkCotInput(session, work);
    }
  }

  @Test
  void withoutAManifestTheFilesAreReadUnchecked() throws Exception {
    // vmware.ovf has no vmware.mf beside it; its disk is input.vmdk
    try (SourceSession session =
        provider.open(source(SharedOva.cot("vmware.ovf").toUri(), Map.of()))) {
      Path exported = work.resolve("vmware.vmdk");
      OvaExports.exportFirstDisk(session, "vmw", exported);
      assertThat(Files.mismatch(exported, SharedOva.cot("input.vmdk"))).isEqualTo(-1);
    }
  }

  @Test
  void aMissingDiskFileIsAPreflightErrorNamingIt() throws Exception {
    Files.copy(SharedOva.cot("input.ovf"), work.resolve("input.ovf"));
    try (SourceSession session =
        provider.open(source(work.resolve("input.ovf").toUri(), Map.of()))) {
      List<ValidationIssue> issues = session.validator().preflight(spec("test"));

      assertThat(issues).hasSize(1);
      assertThat(issues.get(0).code()).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(issues.get(0).message()).contains("input.vmdk", "vmdisk1");
    }
  }

  @Test
  void aCorruptDiskBesideTheDescriptorFailsNamingBothDigests() throws Exception {
    for (String file : List.of("input.ovf", "input.mf", "input.vmdk")) {
      Files.copy(SharedOva.cot(file), work.resolve(file));
    }
    try (RandomAccessFile vmdk = new RandomAccessFile(work.resolve("input.vmdk").toFile(), "rw")) {
      vmdk.seek(512 + 2);
      vmdk.write('X');
    }
    try (SourceSession session =
        provider.open(source(work.resolve("input.ovf").toUri(), Map.of()))) {
      VmImportException e =
          catchThrowableOfType(
              VmImportException.class,
              () -> OvaExports.exportFirstDisk(session, "test", work.resolve("disk")));

      assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_FAILED);
      assertThat(e.getMessage())
          .contains("input.vmdk", "SHA-1", "264caaa216ad928f82f727bb06d8e6e6fbd94df0");
    }
  }

  @Test
  void aFileOutsideTheDescriptorsDirectoryIsRefused() throws Exception {
    Path dir = Files.createDirectories(work.resolve("vm"));
    Files.copy(SharedOva.cot("input.vmdk"), work.resolve("input.vmdk"));
    Files.writeString(
        dir.resolve("escape.ovf"),
        Files.readString(SharedOva.cot("vmware.ovf"))
            .replace("ovf:href=\"input.vmdk\"", "ovf:href=\"../input.vmdk\""));
    try (SourceSession session =
        provider.open(source(dir.resolve("escape.ovf").toUri(), Map.of()))) {
      VmImportException e =
          catchThrowableOfType(
              VmImportException.class,
              () -> OvaExports.exportFirstDisk(session, "vmw", work.resolve("disk")));

      assertThat(e.code()).isEqualTo(ErrorCode.NOT_SUPPORTED);
      assertThat(e.getMessage()).contains("../input.vmdk", "beside");

      // preflight lists it, as it lists a missing file, instead of failing
      List<ValidationIssue> issues = session.validator().preflight(spec("vmw"));
      assertThat(issues).extracting(ValidationIssue::code).containsExactly(ErrorCode.NOT_SUPPORTED);
      assertThat(issues.get(0).message()).contains("../input.vmdk");
    }
  }

  @Test
  void aMissingDescriptorIsNotFound() {
    try (SourceSession session =
        provider.open(source(work.resolve("absent.ovf").toUri(), Map.of()))) {
      assertThat(session.validator().checkSource())
          .extracting(ValidationIssue::code)
          .containsExactly(ErrorCode.NOT_FOUND);
      VmImportException e =
          catchThrowableOfType(
              VmImportException.class, () -> session.inventory().describe(VmLocator.of("test")));
      assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(e.getMessage()).contains("absent.ovf");
    }
  }
}
