package io.vmimport.examples.directory;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.FirmwareType;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceRef;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.CleanupStep;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.Preparation;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.UnownedArtifact;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmLocator;
import io.vmimport.tck.CleanupSteps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the contract suites leave to the provider: its folder layout, vm.json and messages. */
class DirectorySourceProviderTest {
  /** Ends exports and releases leftovers step by step, as core does. */
  private static final CleanupSteps CLEANUP = CleanupSteps.within(Duration.ofSeconds(30));

  private static final ArtifactOwner OWNER =
      new ArtifactOwner("9a1b2c3d-0000-4000-8000-directory0001", "default/db-import");
  private static final ArtifactOwner OTHER_OWNER =
      new ArtifactOwner("9a1b2c3d-0000-4000-8000-directory0002", "default/other-import");

  private final DirectorySourceProvider provider = new DirectorySourceProvider();

  @TempDir Path root;
  private DirectoryFixture fixture;

  @BeforeEach
  void writeSampleFolder() {
    fixture = DirectoryFixture.create(root);
  }

  @Test
  void exportHoldsALeaseUntilComplete() {
    try (SourceSession session = provider.open(fixture.goodSource())) {
      SourceVm vm = session.inventory().describe(VmLocator.of(DirectoryFixture.KNOWN_VM));
      session.power().powerOff(vm);

      ExportSession export = session.exporter().begin(vm, OWNER);
      // without this, the suites' "nothing left on the source" checks could not fail
      assertThat(fixture.sourceArtifacts()).containsExactly("db-01/.export-lease");
      CLEANUP.complete(export);

      assertThat(fixture.sourceArtifacts()).isEmpty();
    }
  }

  @Test
  void releaseRemovesADeadExportsLeaseButNotANewerOnesAndNamesWhatItCannotRelease() {
    try (SourceSession session = provider.open(fixture.goodSource())) {
      SourceVm vm = session.inventory().describe(VmLocator.of(DirectoryFixture.KNOWN_VM));
      session.power().powerOff(vm);
      List<SourceArtifact> dead = session.exporter().begin(vm, OWNER).artifacts();
      assertThat(dead).hasSize(1);

      ExportSession newer = session.exporter().begin(vm, OWNER);
      CLEANUP.release(session.exporter(), dead, OWNER);
      assertThat(fixture.sourceArtifacts())
          .as("the lease a newer export took over")
          .containsExactly("db-01/.export-lease");

      List<UnownedArtifact> unowned =
          CLEANUP.release(
              session.exporter(),
              List.of(new SourceArtifact("snapshot", "snap-1"), newer.artifacts().get(0)),
              OWNER);
      assertThat(unowned)
          .singleElement()
          .hasToString("snapshot snap-1 (not an export lease of a directory source)");
      assertThat(fixture.sourceArtifacts())
          .as("the valid lease is released all the same")
          .isEmpty();
    }
  }

  @Test
  void releaseLeavesTheLeaseOfAnotherImportInPlaceAndNamesIt() {
    try (SourceSession session = provider.open(fixture.goodSource())) {
      SourceVm vm = session.inventory().describe(VmLocator.of(DirectoryFixture.KNOWN_VM));
      session.power().powerOff(vm);
      List<SourceArtifact> others = session.exporter().begin(vm, OTHER_OWNER).artifacts();

      List<UnownedArtifact> unowned = CLEANUP.release(session.exporter(), others, OWNER);

      assertThat(fixture.sourceArtifacts()).containsExactly("db-01/.export-lease");
      assertThat(unowned)
          .singleElement()
          .asString()
          .contains(".export-lease")
          .contains(OTHER_OWNER.uid());
    }
  }

  @Test
  void endingAnExportClosesItsStreamsFirstAndRemovesTheLeaseNext() throws IOException {
    try (SourceSession session = provider.open(fixture.goodSource())) {
      SourceVm vm = session.inventory().describe(VmLocator.of(DirectoryFixture.KNOWN_VM));
      session.power().powerOff(vm);
      SourceDisk disk = vm.disks().get(0);
      ExportSession export = session.exporter().begin(vm, OWNER);
      export.prepare(disk);
      assertThat(export.prepare(disk).isReady()).isTrue();
      DiskStream stream = export.open(disk);

      CleanupStep first = export.abortStep();

      assertThat(first.isDone()).isFalse();
      assertThatThrownBy(() -> stream.input().read())
          .as("a read after the first step")
          .isInstanceOf(IOException.class);
      assertThat(export.artifacts()).as("the lease is still held").hasSize(1);
      assertThat(fixture.sourceArtifacts()).containsExactly("db-01/.export-lease");

      assertThat(export.abortStep().isDone()).isTrue();
      assertThat(export.artifacts()).isEmpty();
      assertThat(fixture.sourceArtifacts()).isEmpty();
    }
  }

  @Test
  void eachDiskReportsCopyingOnceBeforeItOpens() throws IOException {
    try (SourceSession session = provider.open(fixture.goodSource())) {
      SourceVm vm = session.inventory().describe(VmLocator.of(DirectoryFixture.KNOWN_VM));
      session.power().powerOff(vm);
      SourceDisk disk = vm.disks().get(1);
      ExportSession export = session.exporter().begin(vm, OWNER);
      try {
        assertThat(export.prepare(disk))
            .isEqualTo(Preparation.pending(Duration.ofMillis(50), "copying"));
        assertThatThrownBy(() -> export.open(disk))
            .isInstanceOfSatisfying(
                VmImportException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));

        assertThat(export.prepare(disk).isReady()).isTrue();
        try (DiskStream stream = export.open(disk)) {
          assertThat(stream.format()).isEqualTo(DiskFormat.RAW);
          assertThat(stream.length()).hasValue(1024 * 1024 + 4099);
        }
      } finally {
        CLEANUP.abort(export);
      }
    }
  }

  @Test
  void describesHardwareFromVmJsonByNameOrId() {
    try (SourceSession session = provider.open(fixture.goodSource())) {
      SourceVm vm = session.inventory().describe(VmLocator.of("vm-0001"));

      assertThat(vm.name()).isEqualTo("db-01");
      assertThat(vm.id()).isEqualTo("vm-0001");
      assertThat(vm.cpu().sockets()).isEqualTo(2);
      assertThat(vm.cpu().effectiveCoresPerSocket()).isEqualTo(2);
      assertThat(vm.memoryMiB()).isEqualTo(8192);
      assertThat(vm.firmware().type()).isEqualTo(FirmwareType.EFI);
      assertThat(vm.firmware().secureBoot()).isTrue();
      assertThat(vm.description()).hasValue("database");
      assertThat(vm.guestOs()).hasValue("debian12_64Guest");
      assertThat(vm.disks())
          .extracting(SourceDisk::key, SourceDisk::bus, SourceDisk::bootOrder)
          .containsExactly(
              tuple("disk0.raw", Optional.of(DiskBus.SATA), OptionalInt.of(1)),
              tuple("disk1.raw", Optional.of(DiskBus.SCSI), OptionalInt.empty()));
      assertThat(vm.nics())
          .extracting(nic -> nic.model().orElseThrow())
          .containsExactly(NicModel.VIRTIO, NicModel.E1000);
      assertThat(session.inventory().list()).containsExactly("db-01", "web-02");
    }
  }

  @Test
  void unknownVmListsTheAvailableOnes() {
    try (SourceSession session = provider.open(fixture.goodSource())) {
      assertThatThrownBy(() -> session.inventory().describe(VmLocator.of("nope")))
          .isInstanceOf(VmImportException.class)
          .hasMessage(
              "VM 'nope' not found in "
                  + root.toAbsolutePath().normalize()
                  + "; available: [db-01, web-02]");
    }
  }

  @Test
  void missingFolderIsUnavailableAndNamesThePath() {
    Path missing = root.resolve("not-mounted");

    assertThatThrownBy(
            () ->
                provider.open(
                    DirectoryFixture.source(
                        missing, DirectoryFixture.USERNAME, DirectoryFixture.PASSWORD)))
        .isInstanceOfSatisfying(
            VmImportException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.SOURCE_UNAVAILABLE);
              assertThat(e.retryable()).isTrue();
            })
        .hasMessageContaining(missing.toString());
  }

  @Test
  void missingPathSettingIsAnInvalidSpec() {
    SourceSpec noPath =
        new SourceSpec("directory", "default", "lab-folder", Map.of(), Credentials.NONE);

    assertThatThrownBy(() -> provider.open(noPath))
        .isInstanceOfSatisfying(
            VmImportException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC))
        .hasMessageContaining("spec.path");
  }

  @Test
  void folderWithoutCredentialsFileNeedsNoCredentials() throws IOException {
    Files.delete(root.resolve(SourceFolder.CREDENTIALS_FILE));
    SourceSpec anonymous =
        new SourceSpec(
            "directory",
            "default",
            "lab-folder",
            Map.of("path", root.toString()),
            Credentials.NONE);

    try (SourceSession session = provider.open(anonymous)) {
      assertThat(session.validator().checkSource()).isEmpty();
    }
  }

  @Test
  void imageDisksTakeTheirCapacityFromTheHeader() throws IOException {
    long tenGiB = 10L << 30;
    byte[] qcow2 =
        ByteBuffer.allocate(512)
            .put(new byte[] {'Q', 'F', 'I', (byte) 0xfb})
            .putInt(3)
            .putLong(24, tenGiB)
            .array();
    byte[] sparseVmdk =
        ByteBuffer.allocate(512)
            .order(ByteOrder.LITTLE_ENDIAN)
            .put(new byte[] {'K', 'D', 'M', 'V'})
            .putInt(1)
            .putInt(3)
            .putLong(2048)
            .array();
    DirectoryFixture.writeVm(
        root.resolve("app-03"),
        """
        {"cpus": 1, "memoryMiB": 256,
         "disks": [{"file": "boot.qcow2", "bus": "virtio"}, {"file": "data.vmdk"}]}
        """,
        "off",
        Map.of("boot.qcow2", qcow2, "data.vmdk", sparseVmdk));

    try (SourceSession session = provider.open(fixture.goodSource())) {
      SourceVm vm = session.inventory().describe(VmLocator.of("app-03"));
      SourceDisk boot = vm.disks().get(0);
      assertThat(vm.id()).as("id defaults to the folder name").isEqualTo("app-03");
      assertThat(boot.capacityBytes()).isEqualTo(tenGiB);
      assertThat(boot.allocatedBytes()).hasValue(512);
      assertThat(vm.disks().get(1).capacityBytes()).isEqualTo(2048 * 512);

      ExportSession export = session.exporter().begin(vm, OWNER);
      try {
        export.prepare(boot);
        export.prepare(boot);
        try (DiskStream stream = export.open(boot)) {
          assertThat(stream.format()).isEqualTo(DiskFormat.QCOW2);
        }
      } finally {
        CLEANUP.complete(export);
      }
    }
  }

  @Test
  void vmdkDescriptorIsRejected() throws IOException {
    DirectoryFixture.writeVm(
        root.resolve("flat-05"),
        """
        {"cpus": 1, "memoryMiB": 256, "disks": [{"file": "disk.vmdk"}]}
        """,
        "off",
        Map.of("disk.vmdk", "# Disk DescriptorFile\nversion=1\n".getBytes(UTF_8)));

    try (SourceSession session = provider.open(fixture.goodSource())) {
      assertThatThrownBy(() -> session.inventory().describe(VmLocator.of("flat-05")))
          .isInstanceOfSatisfying(
              VmImportException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC))
          .hasMessageContaining("disk.vmdk is not a sparse or streamOptimized VMDK");
    }
  }

  @Test
  void brokenVmJsonWarnsForTheSourceAndFailsPreflightOfThatVm() throws IOException {
    DirectoryFixture.writeVm(
        root.resolve("old-04"),
        """
        {"cpus": 1, "memoryMiB": 256, "disks": [{"file": "d.raw", "bus": "ide"}]}
        """,
        "off",
        Map.of("d.raw", new byte[512]));

    try (SourceSession session = provider.open(fixture.goodSource())) {
      List<ValidationIssue> sourceIssues = session.validator().checkSource();
      List<ValidationIssue> importIssues = session.validator().preflight(importOf("old-04"));

      assertThat(sourceIssues)
          .singleElement()
          .satisfies(
              issue -> {
                assertThat(issue.isError()).isFalse();
                assertThat(issue.message()).contains("old-04", "disks[0].bus", "'ide'");
              });
      assertThat(importIssues)
          .singleElement()
          .satisfies(
              issue -> {
                assertThat(issue.isError()).isTrue();
                assertThat(issue.code()).isEqualTo(ErrorCode.INVALID_SPEC);
              });
    }
  }

  @Test
  void diskFileOutsideTheVmFolderIsRejected() throws IOException {
    DirectoryFixture.writeVm(
        root.resolve("sneaky"),
        """
        {"cpus": 1, "memoryMiB": 256, "disks": [{"file": "../db-01/disk0.raw"}]}
        """,
        "off",
        Map.of());

    try (SourceSession session = provider.open(fixture.goodSource())) {
      assertThatThrownBy(() -> session.inventory().describe(VmLocator.of("sneaky")))
          .isInstanceOfSatisfying(
              VmImportException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC))
          .hasMessageContaining("disks[0].file");
    }
  }

  private static ImportSpec importOf(String vmName) {
    return ImportSpec.builder(
            new SourceRef(
                "migration.harvesterhci.io/v1beta1", "DirectorySource", "lab-folder", "default"),
            vmName)
        .build();
  }
}
