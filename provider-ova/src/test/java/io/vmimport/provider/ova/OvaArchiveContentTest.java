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
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmLocator;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archives that are wrong inside, packed with the system's tar from the shared VirtualBox OVA's
 * files: a corrupt disk, a cut archive, no descriptor, a missing file; and a gzip-compressed disk,
 * which is read.
 */
class OvaArchiveContentTest {
  private static final String OVF = "ubuntu.2.0.ovf";
  private static final String MF = "ubuntu.2.0.mf";
  private static final String VMDK = SharedOva.VIRTUALBOX_DISK;

  private final OvaSourceProvider provider = new OvaSourceProvider();
  @TempDir Path work;
  private Path files;

  @BeforeEach
  void extract() throws Exception {
    files = work.resolve("files");
    SharedOva.extract(SharedOva.virtualBox(), files);
  }

  private SourceSession open(Path ova) {
    return provider.open(
        new SourceSpec(
            "ova",
            "default",
            "appliance",
            Map.of("url", ova.toUri().toString()),
            new Credentials("(none)", Map.of())));
  }

  private Path pack(String name, String... entries) throws Exception {
    return SharedOva.pack(files, work.resolve(name), entries);
  }

  /** Rewrites the manifest for the files as they are now. */
  private void writeManifest() throws Exception {
    StringBuilder manifest = new StringBuilder();
    for (String file : List.of(OVF, VMDK)) {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(files.resolve(file)));
      manifest
          .append("SHA256(")
          .append(file)
          .append(")= ")
          .append(HexFormat.of().formatHex(digest))
          .append('\n');
    }
    Files.writeString(files.resolve(MF), manifest);
  }

  @Test
  void aCorruptDiskFailsAtItsEndNamingTheFileAndBothDigests() throws Exception {
    // a byte of the VMDK's text descriptor: the VMDK still decodes, only the digest can tell
    try (RandomAccessFile vmdk = new RandomAccessFile(files.resolve(VMDK).toFile(), "rw")) {
      vmdk.seek(512 + 2);
      vmdk.write('X');
    }
    Path ova = pack("corrupt.ova", OVF, MF, VMDK);

    try (SourceSession session = open(ova)) {
      VmImportException e =
          catchThrowableOfType(
              VmImportException.class,
              () -> OvaExports.exportFirstDisk(session, "ubuntu", work.resolve("disk")));

      assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_FAILED);
      assertThat(e.retryable()).isFalse();
      assertThat(e.getMessage())
          .contains(
              VMDK, "SHA-256", "4a218c15a1e8aed26cb0a2a533562e85a9f28956a6666181d0c9bb7ba58b5b06");
    }
  }

  @Test
  void aReaderThatStopsAtTheEndMarkerStillGetsTheDigestChecked() throws Exception {
    try (RandomAccessFile vmdk = new RandomAccessFile(files.resolve(VMDK).toFile(), "rw")) {
      vmdk.seek(512 + 2);
      vmdk.write('X');
    }
    Path ova = pack("corrupt.ova", OVF, MF, VMDK);
    long size = Files.size(files.resolve(VMDK));

    try (SourceSession session = open(ova)) {
      SourceVm vm = session.inventory().describe(VmLocator.of("ubuntu"));
      ExportSession export = session.exporter().begin(vm, OvaExports.OWNER);
      DiskStream stream = export.open(vm.disks().get(0));
      // the VMDK decoder stops after the end-of-stream marker, the file's last sector
      stream.input().readNBytes((int) size - 512);

      VmImportException e = catchThrowableOfType(VmImportException.class, stream::close);

      assertThat(e).as("close() of a stream read to its end marker").isNotNull();
      assertThat(e.getMessage()).contains(VMDK, "manifest says");
      export.abort();
    }
  }

  @Test
  void anIntactDiskReadToTheEndMarkerClosesCleanly() throws Exception {
    Path ova = pack("good.ova", OVF, MF, VMDK);
    long size = Files.size(files.resolve(VMDK));
    try (SourceSession session = open(ova)) {
      SourceVm vm = session.inventory().describe(VmLocator.of("ubuntu"));
      ExportSession export = session.exporter().begin(vm, OvaExports.OWNER);
      try (DiskStream stream = export.open(vm.disks().get(0))) {
        stream.input().readNBytes((int) size - 512);
      }
      export.complete();
    }
  }

  @Test
  void aTruncatedArchiveIsNotRetriedAndSaysSo() throws Exception {
    Path ova = pack("cut.ova", OVF, MF, VMDK);
    try (RandomAccessFile file = new RandomAccessFile(ova.toFile(), "rw")) {
      file.setLength(40_000); // inside the disk
    }

    try (SourceSession session = open(ova)) {
      VmImportException e =
          catchThrowableOfType(
              VmImportException.class, () -> session.inventory().describe(VmLocator.of("ubuntu")));

      assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_FAILED);
      assertThat(e.retryable()).isFalse();
      assertThat(e.getMessage()).contains("truncated", VMDK, "40000");
    }
  }

  @Test
  void aTarWithoutDescriptorListsWhatItHolds() throws Exception {
    Path ova = pack("no-ovf.ova", VMDK, MF);

    try (SourceSession session = open(ova)) {
      VmImportException e =
          catchThrowableOfType(VmImportException.class, () -> session.inventory().list());

      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
      assertThat(e.getMessage()).contains("no OVF descriptor", VMDK, MF);
    }
  }

  @Test
  void aDescriptorNamingAMissingFileFailsPreflightAndExport() throws Exception {
    Path ova = pack("missing-disk.ova", OVF, MF);

    try (SourceSession session = open(ova)) {
      List<ValidationIssue> issues =
          session
              .validator()
              .preflight(
                  ImportSpec.builder(
                          new SourceRef(
                              "migration.harvesterhci.io/v1beta1",
                              "OvaSource",
                              "appliance",
                              "default"),
                          "ubuntu")
                      .build());
      assertThat(issues)
          .anySatisfy(
              issue -> {
                assertThat(issue.isError()).isTrue();
                assertThat(issue.code()).isEqualTo(ErrorCode.NOT_FOUND);
                assertThat(issue.message()).contains(VMDK);
              });

      VmImportException e =
          catchThrowableOfType(
              VmImportException.class,
              () -> OvaExports.exportFirstDisk(session, "ubuntu", work.resolve("disk")));
      assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(e.getMessage()).contains(VMDK, "does not hold it");
      assertThat(work.resolve("disk")).doesNotExist();
    }
  }

  @Test
  void anUnknownVmListsTheVirtualSystems() throws Exception {
    try (SourceSession session = open(SharedOva.virtualBox())) {
      VmImportException e =
          catchThrowableOfType(
              VmImportException.class, () -> session.inventory().describe(VmLocator.of("web")));

      assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(e.getMessage()).contains("'web'", "[ubuntu]");
    }
  }

  @Test
  void aDescriptorNamedAsAnOvaIsNotAnOva() throws Exception {
    // a URL ending in .ovf is read as a plain descriptor (PlainOvfTest); under another name the
    // bytes are taken for a tar archive, and the message says what they look like
    Path misnamed = Files.copy(files.resolve(OVF), work.resolve("appliance.ova"));
    try (SourceSession session = open(misnamed)) {
      VmImportException e =
          catchThrowableOfType(VmImportException.class, () -> session.inventory().list());

      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
      assertThat(e.getMessage()).contains("not an OVA", "tar cf", "ending in .ovf");
    }
  }

  @Test
  void aGzipCompressedDiskIsReadUncompressed() throws Exception {
    byte[] vmdk = Files.readAllBytes(files.resolve(VMDK));
    try (OutputStream gzip = new GZIPOutputStream(Files.newOutputStream(files.resolve(VMDK)))) {
      gzip.write(vmdk);
    }
    String ovf = Files.readString(files.resolve(OVF), StandardCharsets.UTF_8);
    Files.writeString(
        files.resolve(OVF),
        ovf.replace("ovf:id=\"file1\"/>", "ovf:id=\"file1\" ovf:compression=\"gzip\"/>"));
    writeManifest();
    Path ova = pack("gzip.ova", OVF, MF, VMDK);

    try (SourceSession session = open(ova)) {
      Path disk = work.resolve("disk");
      OvaExports.exportFirstDisk(session, "ubuntu", disk);

      assertThat(Files.readAllBytes(disk)).isEqualTo(vmdk);
    }
  }

  @Test
  void anUnknownCompressionIsRefused() throws Exception {
    String ovf = Files.readString(files.resolve(OVF), StandardCharsets.UTF_8);
    Files.writeString(
        files.resolve(OVF),
        ovf.replace("ovf:id=\"file1\"/>", "ovf:id=\"file1\" ovf:compression=\"bzip2\"/>"));
    writeManifest();
    Path ova = pack("bzip2.ova", OVF, MF, VMDK);

    try (SourceSession session = open(ova)) {
      VmImportException e =
          catchThrowableOfType(
              VmImportException.class,
              () -> OvaExports.exportFirstDisk(session, "ubuntu", work.resolve("disk")));

      assertThat(e.code()).isEqualTo(ErrorCode.NOT_SUPPORTED);
      assertThat(e.getMessage()).contains("bzip2", "gzip");
    }
  }
}
