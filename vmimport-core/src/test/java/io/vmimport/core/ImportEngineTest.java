package io.vmimport.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.ImportPhase;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.model.Cpu;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NetworkMapping;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.model.SourceRef;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.target.NetworkAttachment;
import io.vmimport.api.target.TargetVm;
import io.vmimport.core.fake.CopyingConverter;
import io.vmimport.core.fake.FakeSource;
import io.vmimport.core.fake.FakeTarget;
import io.vmimport.core.fake.FakeTime;
import io.vmimport.core.fake.RecordingListener;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportEngineTest {
  private static final ImportRef REF = new ImportRef("default", "web-import", "uid-web");
  private static final SourceRef SOURCE_REF =
      new SourceRef("migration.harvesterhci.io/v1beta1", "FakeSource", "lab", "default");
  private static final SourceSpec SOURCE =
      new SourceSpec(
          "fake",
          "default",
          "lab",
          Map.of("endpoint", "https://lab"),
          io.vmimport.api.model.Credentials.NONE);

  @TempDir Path dir;

  private final FakeTime time = new FakeTime();
  private FakeSource source;
  private FakeTarget target;
  private CopyingConverter converter;
  private InMemoryCheckpointStore checkpoints;
  private ImportEngine engine;
  private final RecordingListener listener = new RecordingListener();

  @BeforeEach
  void setUp() {
    SourceVm vm =
        new SourceVm(
            "vm-42",
            "Web Server_01",
            new Cpu(8, 4),
            6144,
            Firmware.efi(true, true),
            List.of(
                SourceDisk.of(0, "2000", "data.vmdk", 3 << 20)
                    .withBus(DiskBus.SCSI)
                    .withBootOrder(2),
                SourceDisk.of(1, "2001", "boot.vmdk", 2 << 20).withBootOrder(1)),
            List.of(
                SourceNic.of(0, "00:50:56:aa:bb:01", NicModel.E1000, "prod"),
                new SourceNic(1, "00:50:56:aa:bb:02", Optional.empty(), Optional.of("VM Network"))),
            Optional.of("the web server"),
            Optional.of("centos7_64Guest"));
    source = new FakeSource(time, vm);
    source.diskContent.put("2000", randomBytes(3 << 20, 1));
    source.diskContent.put("2001", randomBytes(2 << 20, 2));
    target = new FakeTarget(dir.resolve("out"));
    converter = new CopyingConverter();
    checkpoints = new InMemoryCheckpointStore();
    engine = newEngine(config().build(), checkpoints);
  }

  @AfterEach
  void tearDown() {
    engine.close();
  }

  private EngineConfig.Builder config() {
    return EngineConfig.builder(dir.resolve("scratch"))
        .maxParallelDisks(2)
        .maxAttempts(3)
        .initialBackoff(Duration.ofMillis(1))
        .maxBackoff(Duration.ofMillis(2))
        .pollInterval(Duration.ofSeconds(5))
        .keepAliveInterval(Duration.ofMillis(20))
        // these tests are about the rest of the run: GuestConversionTest is about conversion
        .guestConversion(io.vmimport.api.guest.GuestConversionPolicy.NEVER);
  }

  private ImportEngine newEngine(EngineConfig config, CheckpointStore store) {
    return new ImportEngine(new ProviderRegistry(List.of(source)), converter, store, config, time);
  }

  private ImportSpec.Builder spec() {
    return ImportSpec.builder(SOURCE_REF, "Web Server_01")
        .addNetworkMapping(new NetworkMapping("prod", "vlan1"));
  }

  private ImportRequest request(ImportSpec spec) {
    return new ImportRequest(REF, spec, SOURCE);
  }

  private ImportResult run(ImportSpec spec) {
    return engine.run(request(spec), target, listener);
  }

  @Test
  void phasesFollowUpstreamStringsInOrder() {
    ImportResult result = run(spec().build());

    assertThat(listener.phases)
        .containsExactly(
            "virtualMachineImportValid",
            "sourceReady",
            "disksExported",
            "diskImageSubmitted",
            "diskImagesReady",
            "virtualMachineCreated",
            "virtualMachineRunning");
    assertThat(result.phase()).isEqualTo(ImportPhase.VM_RUNNING);
    assertThat(listener.conditionTypes())
        .containsExactly("VMShutdownGuest", "VMPoweredOff", "VMExported", "GuestConverted");
    assertThat(source.artifacts).as("export lease released").isEmpty();
    assertThat(source.calls).contains("complete").doesNotContain("abort");
    assertThat(source.openSessions.get()).as("session logged out").isZero();
    assertThat(listener.planned).extracting(TargetVm::name).containsExactly(result.vm().name());
    for (String disk : List.of("disk-0", "disk-1")) {
      assertThat(listener.images)
          .as("image events of %s", disk)
          .anyMatch(e -> e.startsWith(disk + " ") && e.endsWith(" PENDING"))
          .anyMatch(e -> e.startsWith(disk + " ") && e.endsWith(" READY"));
    }
  }

  @Test
  void exportedDisksHoldTheSourceBytesInBootOrder() throws IOException {
    ImportResult result = run(spec().build());

    TargetVm vm = result.vm();
    assertThat(vm.disks()).extracting(d -> d.source().key()).containsExactly("2001", "2000");
    assertThat(vm.disks()).extracting(d -> d.name()).containsExactly("disk-0", "disk-1");
    assertThat(vm.disks()).extracting(d -> d.bootOrder()).containsExactly(1, 2);
    assertThat(vm.disks())
        .extracting(d -> d.bus())
        .as("source bus kept, default for the rest")
        .containsExactly(DiskBus.VIRTIO, DiskBus.SCSI);
    for (var disk : vm.disks()) {
      Path file = target.diskPath(REF, disk);
      assertThat(Files.readAllBytes(file)).isEqualTo(source.diskContent.get(disk.source().key()));
    }
    assertThat(converter.conversions)
        .as("raw export into a raw target needs no conversion")
        .isEmpty();
  }

  @Test
  void hardwareIsMappedWithoutUpstreamsBugs() {
    TargetVm vm = run(spec().build()).vm();

    assertThat(vm.cpu().sockets()).isEqualTo(2);
    assertThat(vm.cpu().cores()).isEqualTo(4);
    assertThat(vm.cpu().threads()).isEqualTo(1);
    assertThat(vm.memoryMiB()).isEqualTo(6144);
    assertThat(vm.firmware()).isEqualTo(Firmware.efi(true, true));
    assertThat(vm.description()).contains("the web server");
  }

  @Test
  void oneUnmatchedNicGoesToThePodNetworkWithItsMacAndModel() {
    TargetVm vm = run(spec().build()).vm();

    assertThat(vm.nics()).hasSize(2);
    assertThat(vm.nics().get(0).network()).isEqualTo(NetworkAttachment.multus("default", "vlan1"));
    assertThat(vm.nics().get(0).model()).as("detected model kept").isEqualTo(NicModel.E1000);
    assertThat(vm.nics().get(1).network()).isEqualTo(NetworkAttachment.POD);
    assertThat(vm.nics().get(1).macAddress()).isEqualTo("00:50:56:aa:bb:02");
    assertThat(vm.nics().get(1).model()).as("default model").isEqualTo(NicModel.VIRTIO);
  }

  @Test
  void mappingModelOverridesTheDetectedModel() {
    ImportSpec spec =
        ImportSpec.builder(SOURCE_REF, "Web Server_01")
            .addNetworkMapping(
                new NetworkMapping("prod", "infra/vlan1", Optional.of(NicModel.RTL8139)))
            .defaultNetworkInterfaceModel(NicModel.E1000E)
            .build();

    TargetVm vm = run(spec).vm();

    assertThat(vm.nics().get(0).model()).isEqualTo(NicModel.RTL8139);
    assertThat(vm.nics().get(0).network()).isEqualTo(NetworkAttachment.multus("infra", "vlan1"));
    assertThat(vm.nics().get(1).model()).isEqualTo(NicModel.E1000E);
  }

  @Test
  void twoUnmatchedNicsFailPreflightListingThem() {
    ImportSpec spec = ImportSpec.builder(SOURCE_REF, "Web Server_01").build();

    VmImportException e = catchThrowableOfType(VmImportException.class, () -> run(spec));

    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
    assertThat(e.getMessage())
        .contains("2 NICs have no network mapping")
        .contains("00:50:56:aa:bb:01")
        .contains("'prod'")
        .contains("00:50:56:aa:bb:02")
        .contains("'VM Network'");
    assertThat(listener.phases).containsExactly("virtualMachineImportInvalid");
    assertThat(listener.failures)
        .as("the reason comes before the phase that shows it")
        .containsExactly("INVALID_SPEC after []");
    assertThat(source.calls).as("nothing done on the source").doesNotContain("powerOff", "begin");
  }

  @Test
  void duplicateSourceNetworkIsRejectedNamingTheField() {
    ImportSpec spec = spec().addNetworkMapping(new NetworkMapping("prod", "default/vlan2")).build();

    List<ValidationIssue> issues = engine.validate(request(spec), target);

    assertThat(issues)
        .anySatisfy(
            issue -> {
              assertThat(issue.field()).contains("spec.networkMapping[1].sourceNetwork");
              assertThat(issue.message()).contains("already mapped by spec.networkMapping[0]");
            });
  }

  @Test
  void invalidDestinationNetworkNamesTheField() {
    ImportSpec spec =
        ImportSpec.builder(SOURCE_REF, "Web Server_01")
            .addNetworkMapping(new NetworkMapping("prod", "a/b/c"))
            .build();

    VmImportException e = catchThrowableOfType(VmImportException.class, () -> run(spec));

    assertThat(e.getMessage()).contains("spec.networkMapping[0].destinationNetwork");
    assertThat(source.calls).as("rejected before contacting the source").isEmpty();
  }

  @Test
  void guestShutdownIsUsedWhenTheGuestCooperates() {
    source.guestShutdownTakes = Duration.ofSeconds(20);

    run(spec().build());

    assertThat(source.calls).contains("shutdownGuest").doesNotContain("powerOff");
    assertThat(listener.conditionTypes()).containsSubsequence("VMShutdownGuest", "VMPoweredOff");
  }

  @Test
  void shutdownEscalatesToPowerOffAfterTheGracefulTimeout() {
    source.guestShutdownTakes = null;
    Instant start = time.now();

    run(spec().gracefulShutdownTimeout(Duration.ofSeconds(90)).build());

    assertThat(source.calls).containsSubsequence("shutdownGuest", "powerOff");
    assertThat(Duration.between(start, source.powerOffAt)).isEqualTo(Duration.ofSeconds(90));
    assertThat(listener.conditionTypes())
        .containsExactly(
            "VMShutdownGuest", "VMPoweringOff", "VMPoweredOff", "VMExported", "GuestConverted");
    assertThat(listener.conditions.get(0).reason()).isEqualTo("GuestShutdownTimedOut");
  }

  @Test
  void defaultGracefulTimeoutIsSixtySeconds() {
    source.guestShutdownTakes = null;
    Instant start = time.now();

    run(spec().gracefulShutdownTimeout(Duration.ZERO).build());

    assertThat(Duration.between(start, source.powerOffAt)).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void forcePowerOffSkipsTheGuest() {
    Instant start = time.now();

    run(spec().forcePowerOff(true).build());

    assertThat(source.calls).contains("powerOff").doesNotContain("shutdownGuest");
    assertThat(source.powerOffAt).isEqualTo(start);
    assertThat(listener.conditionTypes())
        .containsExactly("VMPoweringOff", "VMPoweredOff", "VMExported", "GuestConverted");
  }

  @Test
  void aVmAlreadyOffIsNotTouched() {
    source.power = PowerState.OFF;

    run(spec().build());

    assertThat(source.calls).doesNotContain("shutdownGuest", "powerOff");
    assertThat(listener.conditionTypes()).startsWith("VMPoweredOff");
  }

  @Test
  void transientErrorsAreRetried() {
    source.openFailures.add(
        new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, "connection reset"));
    source.openFailures.add(
        new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, "connection reset"));

    ImportResult result = run(spec().build());

    assertThat(result.phase()).isEqualTo(ImportPhase.VM_RUNNING);
    assertThat(source.calls.stream().filter("open"::equals).count()).isEqualTo(3);
  }

  @Test
  void userErrorsFailAtOnceAndMakeTheImportInvalid() {
    source.openFailures.add(
        new VmImportException(ErrorCode.AUTHENTICATION_FAILED, "wrong user name or password"));

    VmImportException e = catchThrowableOfType(VmImportException.class, () -> run(spec().build()));

    assertThat(e.code()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED);
    assertThat(e.retryable()).isFalse();
    assertThat(source.calls).containsExactly("open");
    assertThat(listener.phases).containsExactly("virtualMachineImportInvalid");
  }

  @Test
  void aSourceDownLongerThanTheRetriesFailsRetryablyNotInvalid() {
    for (int i = 0; i < 3; i++) {
      source.openFailures.add(new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, "timeout"));
    }

    VmImportException e = catchThrowableOfType(VmImportException.class, () -> run(spec().build()));

    assertThat(e.code()).isEqualTo(ErrorCode.SOURCE_UNAVAILABLE);
    assertThat(e.retryable()).isTrue();
    assertThat(source.calls).containsExactly("open", "open", "open");
    assertThat(listener.phases).containsExactly("VMMigrationFailed");
  }

  @Test
  void unknownVmIsInvalidNamingTheVm() {
    VmImportException e =
        catchThrowableOfType(
            VmImportException.class, () -> run(ImportSpec.builder(SOURCE_REF, "nope").build()));

    assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(e.getMessage()).contains("'nope'");
    assertThat(listener.phases).containsExactly("virtualMachineImportInvalid");
  }

  @Test
  void providerPreflightErrorsStopTheImportUnlessSkipped() {
    source.preflightIssues =
        List.of(ValidationIssue.error(ErrorCode.NOT_FOUND, "network 'prod' does not exist"));

    assertThatThrownBy(() -> run(spec().build()))
        .isInstanceOf(VmImportException.class)
        .hasMessageContaining("network 'prod' does not exist");

    listener.phases.clear();
    ImportResult result = run(spec().skipPreflightChecks(true).build());
    assertThat(result.phase()).isEqualTo(ImportPhase.VM_RUNNING);
  }

  @Test
  void disksAreTransferredInParallel() throws Exception {
    CountDownLatch bothOpen = new CountDownLatch(2);
    source.streamOverride =
        disk -> {
          bothOpen.countDown();
          try {
            if (!bothOpen.await(10, TimeUnit.SECONDS)) {
              throw new IllegalStateException("the other disk was not opened in parallel");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return new java.io.ByteArrayInputStream(source.diskContent.get(disk.key()));
        };

    ImportResult result = run(spec().build());

    assertThat(result.phase()).isEqualTo(ImportPhase.VM_RUNNING);
  }

  @Test
  void preparationOnTheSourceIsPolledUntilReady() {
    source.pendingPreparations = 3;
    Instant start = time.now();

    run(spec().forcePowerOff(true).build());

    assertThat(listener.progress)
        .filteredOn(p -> p.stage() == DiskProgress.Stage.PREPARING)
        .hasSizeGreaterThanOrEqualTo(3);
    assertThat(time.since(start)).isGreaterThanOrEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void progressReportsBytesAndEndsDone() {
    run(spec().build());

    assertThat(listener.progress)
        .filteredOn(p -> p.stage() == DiskProgress.Stage.EXPORTING && p.diskName().equals("disk-1"))
        .last()
        .satisfies(
            p -> {
              assertThat(p.done()).isEqualTo(3 << 20);
              assertThat(p.total()).isEqualTo(3 << 20);
            });
    assertThat(listener.progress)
        .filteredOn(p -> p.stage() == DiskProgress.Stage.DONE)
        .extracting(DiskProgress::diskName)
        .containsExactlyInAnyOrder("disk-0", "disk-1");
  }

  @Test
  void otherExportFormatsAreStagedInScratchAndConverted() throws IOException {
    source.exportFormat = DiskFormat.VMDK;

    ImportResult result = run(spec().build());

    assertThat(converter.conversions).hasSize(2);
    assertThat(converter.conversions)
        .allSatisfy(
            c -> assertThat(c.source().startsWith(dir.resolve("scratch"))).as("staged").isTrue());
    assertThat(leftoverFiles(dir.resolve("scratch"))).as("scratch emptied").isEmpty();
    for (var disk : result.vm().disks()) {
      assertThat(Files.readAllBytes(target.diskPath(REF, disk)))
          .isEqualTo(source.diskContent.get(disk.source().key()));
    }
  }

  @Test
  void aDiskThatCannotFitInScratchFailsWithTheNumbersAndLeavesNothing() throws IOException {
    source.exportFormat = DiskFormat.VMDK;
    engine.close();
    engine = newEngine(config().scratchCapacityBytes(1 << 20).build(), checkpoints);

    VmImportException e = catchThrowableOfType(VmImportException.class, () -> run(spec().build()));

    assertThat(e.code()).isEqualTo(ErrorCode.SCRATCH_EXHAUSTED);
    assertThat(e.retryable()).isFalse();
    assertThat(e.getMessage()).contains("needs " + (2 << 20) + " bytes").contains("1048576");
    assertThat(source.opens.get("2001").get()).as("not retried in a loop").isEqualTo(1);
    assertThat(source.artifacts).isEmpty();
    assertThat(leftoverFiles(dir.resolve("scratch"))).isEmpty();
  }

  @Test
  void aRawExportIsWrittenStraightIntoAQcow2Target() throws Exception {
    target.format = DiskFormat.QCOW2;

    ImportResult result = run(spec().build());

    assertThat(converter.conversions).as("no staging, no converter").isEmpty();
    Path file = target.diskPath(REF, result.vm().disks().get(0));
    byte[] magic = java.util.Arrays.copyOf(Files.readAllBytes(file), 4);
    assertThat(magic).containsExactly('Q', 'F', 'I', 0xfb);
  }

  @Test
  void aFailedImageIsResubmittedAndRecovers() {
    target.imageFailures.put("disk-1", 2);

    ImportResult result = run(spec().build());

    assertThat(result.phase()).isEqualTo(ImportPhase.VM_RUNNING);
    assertThat(target.published).filteredOn("disk-1"::equals).hasSize(3);
  }

  @Test
  void anImageFailingBeyondTheResubmissionsFailsTheImportWithItsMessage() {
    target.imageFailures.put("disk-0", 100);

    VmImportException e = catchThrowableOfType(VmImportException.class, () -> run(spec().build()));

    assertThat(e.getMessage()).contains("checksum mismatch");
    assertThat(listener.phases).endsWith("diskImageFailed", "VMMigrationFailed");
    assertThat(target.published).filteredOn("disk-0"::equals).hasSize(4);
  }

  @Test
  void aFailedTransferAbortsTheExportAndLeavesNothingOnTheSource() throws IOException {
    disk2000Streams(() -> new FailingStream(new IOException("connection reset by peer")));

    VmImportException e = catchThrowableOfType(VmImportException.class, () -> run(spec().build()));

    assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_FAILED);
    assertThat(e.getMessage()).contains("disk-1").contains("connection reset by peer");
    assertThat(source.opens.get("2000").get()).as("retried").isEqualTo(3);
    assertThat(source.calls).contains("abort").doesNotContain("complete");
    assertThat(source.artifacts).isEmpty();
    assertThat(listener.conditionTypes()).contains("VMExportFailed");
    assertThat(listener.phases).last().isEqualTo("VMMigrationFailed");
    assertThat(leftoverFiles(dir.resolve("scratch"))).isEmpty();
  }

  @Test
  void cancelStopsTransfersAndLeavesNothingBehind() throws Exception {
    CountDownLatch streaming = new CountDownLatch(1);
    source.streamOverride = disk -> new EndlessStream(streaming);
    source.exportFormat = DiskFormat.VMDK;
    engine.close();
    engine = newEngine(config().maxParallelDisks(2).build(), checkpoints);

    ImportHandle handle = engine.start(request(spec().build()), target, listener);
    assertThat(streaming.await(10, TimeUnit.SECONDS)).as("transfer started").isTrue();
    handle.cancel();

    VmImportException e =
        catchThrowableOfType(VmImportException.class, () -> handle.await(Duration.ofSeconds(30)));
    assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
    assertThat(source.artifacts).as("lease removed from the source").isEmpty();
    assertThat(source.calls).contains("abort");
    assertThat(leftoverFiles(dir.resolve("scratch"))).as("scratch").isEmpty();
    assertThat(leftoverFiles(dir.resolve("out"))).as("target").isEmpty();
    assertThat(checkpoints.load(REF)).isEmpty();
    assertThat(listener.phases).last().isEqualTo("VMMigrationFailed");
    assertThat(source.openSessions.get()).isZero();
  }

  @Test
  void cancellingAgainWhileTheSourceIsCleanedDoesNotCutTheCleanupShort() throws Exception {
    CountDownLatch streaming = new CountDownLatch(1);
    source.streamOverride = disk -> new EndlessStream(streaming);
    source.abortMillis = 500;
    ImportHandle handle = engine.start(request(spec().build()), target, listener);
    assertThat(streaming.await(10, TimeUnit.SECONDS)).as("transfer started").isTrue();

    handle.cancel();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!source.calls.contains("abort") && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(5);
    }
    assertThat(source.calls).as("abort started").contains("abort");
    handle.cancel(); // an operator calls cancel on every look at a deleted import

    VmImportException e =
        catchThrowableOfType(VmImportException.class, () -> handle.await(Duration.ofSeconds(30)));
    assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
    assertThat(e.getSuppressed()).as("no cleanup failed").isEmpty();
    assertThat(source.artifacts).as("lease removed from the source").isEmpty();
    assertThat(checkpoints.load(REF)).isEmpty();
  }

  @Test
  void aCancelledImportKeepsWhatItsSourceCleanupLeftForADiscard() throws Exception {
    CountDownLatch streaming = new CountDownLatch(1);
    source.streamOverride = disk -> new EndlessStream(streaming);
    source.abortFails = true;
    ImportHandle handle = engine.start(request(spec().build()), target, listener);
    assertThat(streaming.await(10, TimeUnit.SECONDS)).as("transfer started").isTrue();
    handle.cancel();
    assertThatThrownBy(() -> handle.await(Duration.ofSeconds(30)))
        .isInstanceOf(VmImportException.class);
    List<String> held = List.copyOf(source.artifacts);
    assertThat(held).hasSize(1);
    Checkpoint kept = checkpoints.load(REF).orElseThrow();
    assertThat(kept.disks()).as("finished disks are gone with the cancel").isEmpty();
    assertThat(kept.sourceArtifacts()).containsExactly(new SourceArtifact("lease", held.get(0)));

    source.abortFails = false;
    engine.discard(REF, SOURCE, target);

    assertThat(source.artifacts).as("nothing left on the source").isEmpty();
    assertThat(checkpoints.load(REF)).isEmpty();
  }

  @Test
  void suspendReleasesTheSourceKeepsFinishedDisksAndTheNextRunContinues() throws Exception {
    CountDownLatch streaming = new CountDownLatch(1);
    disk2000Streams(() -> new EndlessStream(streaming));
    engine.close();
    engine = newEngine(config().maxParallelDisks(2).build(), checkpoints);

    ImportHandle handle = engine.start(request(spec().build()), target, listener);
    assertThat(streaming.await(10, TimeUnit.SECONDS)).as("transfer started").isTrue();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (checkpoints.load(REF).map(c -> c.disks().containsKey("2001")).orElse(false) == false
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(checkpoints.load(REF).orElseThrow().disks()).containsOnlyKeys("2001");
    handle.suspend();

    VmImportException e =
        catchThrowableOfType(VmImportException.class, () -> handle.await(Duration.ofSeconds(30)));
    assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
    assertThat(e.retryable()).as("running it again continues").isTrue();
    assertThat(source.artifacts).as("lease released on the source").isEmpty();
    assertThat(source.openSessions.get()).isZero();
    assertThat(listener.phases).doesNotContain("VMMigrationFailed");
    assertThat(checkpoints.load(REF)).as("checkpoint kept").isPresent();

    source.streamOverride = null;
    source.power = PowerState.ON;
    ImportResult result = run(spec().build());
    assertThat(result.phase()).isEqualTo(ImportPhase.VM_RUNNING);
    assertThat(source.opens.get("2001").get()).as("finished disk not exported again").isEqualTo(1);
  }

  @Test
  void aRerunAfterAFailureSkipsFinishedDisks() throws IOException {
    FileCheckpointStore store = new FileCheckpointStore(dir.resolve("state"));
    engine.close();
    engine = newEngine(config().maxParallelDisks(1).maxAttempts(1).build(), store);
    disk2000Streams(() -> new FailingStream(new IOException("host went away")));
    assertThatThrownBy(() -> run(spec().build())).isInstanceOf(VmImportException.class);
    assertThat(source.opens.get("2001").get()).isEqualTo(1);

    source.streamOverride = null;
    source.power = PowerState.ON;
    engine.close();
    engine = newEngine(config().maxParallelDisks(1).build(), store);
    ImportResult result = run(spec().build());

    assertThat(result.phase()).isEqualTo(ImportPhase.VM_RUNNING);
    assertThat(source.opens.get("2001").get()).as("finished disk not exported again").isEqualTo(1);
    assertThat(source.opens.get("2000").get()).isEqualTo(2);
    for (var disk : result.vm().disks()) {
      assertThat(Files.readAllBytes(target.diskPath(REF, disk)))
          .isEqualTo(source.diskContent.get(disk.source().key()));
    }
    assertThat(store.load(REF)).as("checkpoint removed after success").isEmpty();
  }

  @Test
  void aRerunAfterACrashWithAllDisksDoneExportsNothing() {
    FileCheckpointStore store = new FileCheckpointStore(dir.resolve("state"));
    engine.close();
    engine = newEngine(config().build(), store);
    RecordingListener crashing =
        new RecordingListener() {
          @Override
          public void phaseChanged(ImportRef ref, ImportPhase phase, String message) {
            if (phase == ImportPhase.DISKS_EXPORTED) {
              throw new SimulatedCrash();
            }
          }
        };
    assertThatThrownBy(() -> engine.run(request(spec().build()), target, crashing))
        .isInstanceOf(SimulatedCrash.class);
    assertThat(store.load(REF)).isPresent();

    engine.close();
    engine = newEngine(config().build(), store);
    source.calls.clear();
    ImportResult result = run(spec().build());

    assertThat(result.phase()).isEqualTo(ImportPhase.VM_RUNNING);
    assertThat(source.calls).doesNotContain("begin", "powerOff", "shutdownGuest");
    assertThat(source.opens.get("2000").get()).isEqualTo(1);
    assertThat(source.opens.get("2001").get()).isEqualTo(1);
  }

  @Test
  void whatAnExportHoldsOnTheSourceIsInTheCheckpointUntilItEnds() throws Exception {
    CountDownLatch streaming = new CountDownLatch(1);
    disk2000Streams(() -> new EndlessStream(streaming));
    ImportHandle handle = engine.start(request(spec().build()), target, listener);
    assertThat(streaming.await(10, TimeUnit.SECONDS)).as("transfer started").isTrue();

    // what a process that dies now leaves for the next one to remove
    assertThat(checkpoints.load(REF).orElseThrow().sourceArtifacts())
        .extracting(SourceArtifact::id)
        .containsExactlyElementsOf(source.artifacts);

    handle.cancel();
    assertThatThrownBy(() -> handle.await(Duration.ofSeconds(30)))
        .isInstanceOf(VmImportException.class);
    assertThat(source.artifacts).isEmpty();
    assertThat(checkpoints.load(REF)).as("a cancelled import keeps no checkpoint").isEmpty();
  }

  @Test
  void anExportLeftOnTheSourceIsReleasedByTheNextRunBeforeItExports() throws IOException {
    FileCheckpointStore store = new FileCheckpointStore(dir.resolve("state"));
    engine.close();
    engine = newEngine(config().maxParallelDisks(1).maxAttempts(1).build(), store);
    source.abortFails = true;
    disk2000Streams(() -> new FailingStream(new IOException("host went away")));
    VmImportException failure =
        catchThrowableOfType(VmImportException.class, () -> run(spec().build()));
    assertThat(failure.getSuppressed()).as("the failed cleanup is reported").isNotEmpty();
    List<String> held = List.copyOf(source.artifacts);
    assertThat(held).hasSize(1);
    assertThat(store.load(REF).orElseThrow().sourceArtifacts())
        .containsExactly(new SourceArtifact("lease", held.get(0)));

    source.abortFails = false;
    source.streamOverride = null;
    source.power = PowerState.ON;
    source.calls.clear();
    engine.close();
    engine = newEngine(config().build(), store);
    ImportResult result = run(spec().build());

    assertThat(result.phase()).isEqualTo(ImportPhase.VM_RUNNING);
    assertThat(source.calls).startsWith("open", "release [lease " + held.get(0) + "]");
    assertThat(source.artifacts).as("nothing left on the source").isEmpty();
    assertThat(store.load(REF)).isEmpty();
  }

  @Test
  void discardingAnImportThatNoLongerRunsReleasesWhatItsExportHeld() throws IOException {
    source.abortFails = true;
    source.streamOverride = disk -> new FailingStream(new IOException("host went away"));
    engine.close();
    engine = newEngine(config().maxAttempts(1).build(), checkpoints);
    assertThatThrownBy(() -> run(spec().build())).isInstanceOf(VmImportException.class);
    assertThat(source.artifacts).hasSize(1);

    source.abortFails = false;
    engine.discard(REF, SOURCE, target);

    assertThat(source.artifacts).as("nothing left on the source").isEmpty();
    assertThat(source.openSessions.get()).as("session closed").isZero();
    assertThat(checkpoints.load(REF)).isEmpty();
  }

  /**
   * Issue #13, point 5: a checkpoint written by hand that names something on the source the import
   * never made (here a lease of no import) must not make the next run delete it.
   */
  @Test
  void aCheckpointNamingWhatTheImportDidNotMakeLeavesItOnTheSourceAndWarns() {
    source.artifacts.add("foreign-volume");
    source.artifacts.add("other-import-lease");
    source.owners.put("other-import-lease", "uid-of-another-import");
    checkpoints.save(
        REF,
        Checkpoint.EMPTY.withSourceArtifacts(
            List.of(
                new SourceArtifact("lease", "foreign-volume"),
                new SourceArtifact("lease", "other-import-lease"))));

    ImportResult result = run(spec().build());

    assertThat(result.phase()).isEqualTo(ImportPhase.VM_RUNNING);
    assertThat(source.artifacts)
        .as("what the import did not make stays on the source")
        .containsExactlyInAnyOrder("foreign-volume", "other-import-lease");
    assertThat(listener.warnings)
        .as("warnings")
        .anyMatch(w -> w.contains("lease foreign-volume") && w.contains("no owner mark"))
        .anyMatch(
            w -> w.contains("lease other-import-lease") && w.contains("uid-of-another-import"));
    assertThat(checkpoints.load(REF)).as("forgotten, not retried forever").isEmpty();
  }

  @Test
  void discardLeavesWhatTheImportDidNotMakeAndTellsTheListener() {
    source.artifacts.add("foreign-volume");
    checkpoints.save(
        REF,
        Checkpoint.EMPTY.withSourceArtifacts(
            List.of(new SourceArtifact("lease", "foreign-volume"))));

    engine.discard(REF, SOURCE, target, listener);

    assertThat(source.artifacts).containsExactly("foreign-volume");
    assertThat(listener.warnings).singleElement().asString().contains("lease foreign-volume");
    assertThat(checkpoints.load(REF)).isEmpty();
  }

  @Test
  void aRerunForAnotherVmWithTheSameDiskKeysExportsThatVmsDisks() throws IOException {
    CheckpointStore retaining = new RetainingCheckpointStore(new InMemoryCheckpointStore());
    engine.close();
    engine = newEngine(config().build(), retaining);
    run(spec().build());
    assertThat(source.opens.get("2000").get()).isEqualTo(1);

    // the user changes only virtualMachineName: another VM, whose disks have the same keys
    SourceVm other = vmWithTheDisksOf(source.vm, "vm-77", "db01");
    source.vm = other;
    source.diskContent.put("2000", randomBytes(3 << 20, 11));
    source.diskContent.put("2001", randomBytes(2 << 20, 12));
    source.power = PowerState.ON;
    listener.warnings.clear();
    ImportResult result =
        run(
            ImportSpec.builder(SOURCE_REF, "db01")
                .addNetworkMapping(new NetworkMapping("prod", "vlan1"))
                .build());

    assertThat(source.opens.get("2000").get()).as("exported again").isEqualTo(2);
    assertThat(source.opens.get("2001").get()).as("exported again").isEqualTo(2);
    for (var disk : result.vm().disks()) {
      assertThat(Files.readAllBytes(target.diskPath(REF, disk)))
          .as("%s holds db01's disk, not web01's", disk.name())
          .isEqualTo(source.diskContent.get(disk.source().key()));
    }
    assertThat(listener.warnings)
        .as(listener.warnings.toString())
        .hasSize(2)
        .allSatisfy(w -> assertThat(w).contains("VM id 'vm-42' (now 'vm-77')", "exporting"));
    assertThat(retaining.load(REF).orElseThrow().disks().values())
        .extracting(Checkpoint.FinishedDisk::vmId)
        .containsOnly("vm-77");
  }

  @Test
  void aDiskFromAnotherSourceOrOfAnotherSizeIsExportedAgain() {
    CheckpointStore retaining = new RetainingCheckpointStore(new InMemoryCheckpointStore());
    engine.close();
    engine = newEngine(config().build(), retaining);
    run(spec().build());

    // the same VM id and disk keys behind another vCenter; disk 2001 grown meanwhile
    SourceSpec otherVcenter =
        new SourceSpec(
            "fake",
            "default",
            "lab",
            Map.of("endpoint", "https://admin:secret@other-vcenter/sdk"),
            io.vmimport.api.model.Credentials.NONE);
    source.power = PowerState.ON;
    listener.warnings.clear();
    engine.run(new ImportRequest(REF, spec().build(), otherVcenter), target, listener);

    assertThat(source.opens.get("2000").get()).isEqualTo(2);
    assertThat(listener.warnings)
        .anySatisfy(
            w ->
                assertThat(w)
                    .contains("source 'fake https://lab' (now 'fake https://other-vcenter/sdk')"));
    assertThat(String.join("\n", listener.warnings)).doesNotContain("secret", "admin");

    source.vm = vmWithTheDisksOf(source.vm, "vm-42", "Web Server_01", 1 << 20);
    source.power = PowerState.ON;
    listener.warnings.clear();
    engine.run(new ImportRequest(REF, spec().build(), otherVcenter), target, listener);

    assertThat(source.opens.get("2000").get()).as("unchanged: reused").isEqualTo(2);
    assertThat(source.opens.get("2001").get()).isEqualTo(3);
    assertThat(listener.warnings)
        .singleElement()
        .satisfies(w -> assertThat(w).contains("capacity 2097152 bytes (now 3145728 bytes)"));
  }

  @Test
  void theResumeStateOfAnotherImportOfTheSameNameIsIgnored() throws IOException {
    // kept by namespace and name, as the CLI's state file and the operator's annotation are
    CheckpointStore retaining =
        new RetainingCheckpointStore(new FileCheckpointStore(dir.resolve("state")));
    engine.close();
    engine = newEngine(config().build(), retaining);
    run(spec().build());

    // the import was deleted and created again: same namespace and name, a new uid
    ImportRef recreated = new ImportRef(REF.namespace(), REF.name(), "uid-recreated");
    source.power = PowerState.ON;
    listener.warnings.clear();
    engine.run(new ImportRequest(recreated, spec().build(), SOURCE), target, listener);

    assertThat(source.opens.get("2000").get()).isEqualTo(2);
    assertThat(source.opens.get("2001").get()).isEqualTo(2);
    assertThat(listener.warnings)
        .singleElement()
        .satisfies(
            w ->
                assertThat(w)
                    .contains("another import of the same name (uid uid-web)", "ignoring"));
    assertThat(retaining.load(recreated).orElseThrow().importUid()).isEqualTo("uid-recreated");
  }

  @Test
  void aSecondImportOfARunningImportsSourceVmIsRefusedBeforeItTouchesTheVm() throws Exception {
    CountDownLatch streaming = new CountDownLatch(1);
    source.streamOverride = disk -> new EndlessStream(streaming);
    ImportHandle first = engine.start(request(spec().build()), target, listener);
    assertThat(streaming.await(10, TimeUnit.SECONDS)).as("transfer started").isTrue();
    List<String> callsBefore = List.copyOf(source.calls);
    ImportRequest again =
        new ImportRequest(new ImportRef("prod", "web-again", "uid-again"), spec().build(), SOURCE);
    RecordingListener secondListener = new RecordingListener();

    ImportHandle second = engine.start(again, target, secondListener);
    VmImportException e =
        catchThrowableOfType(VmImportException.class, () -> second.await(Duration.ofSeconds(10)));

    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
    assertThat(e.getMessage())
        .contains("'Web Server_01' (vm-42) of default/lab")
        .contains("already being imported by import default/web-import");
    assertThat(secondListener.phases).containsExactly("virtualMachineImportInvalid");
    assertThat(source.calls.subList(callsBefore.size(), source.calls.size()))
        .as("nothing done to the VM by the second import")
        .doesNotContain("shutdownGuest", "powerOff", "begin");
    assertThat(engine.validate(again, target))
        .anySatisfy(issue -> assertThat(issue.message()).contains("default/web-import"));

    first.cancel();
    assertThatThrownBy(() -> first.await(Duration.ofSeconds(30)))
        .isInstanceOf(VmImportException.class);
    source.streamOverride = null;
    source.power = PowerState.ON;
    assertThat(engine.run(again, target, secondListener).phase())
        .as("free once the first has ended")
        .isEqualTo(ImportPhase.VM_RUNNING);
  }

  @Test
  void anImportWaitsWithItsVmUpWhileTheSourceHostExportsTheMostAllowed() throws Exception {
    engine.close();
    engine = newEngine(config().maxExportsPerSourceHost(1).build(), checkpoints);
    source.moreVms.put("vm-43", vmWithTheDisksOf(source.vm, "vm-43", "db"));
    CountDownLatch streaming = new CountDownLatch(1);
    source.streamOverride = disk -> new EndlessStream(streaming);
    ImportHandle first = engine.start(request(spec().build()), target, listener);
    assertThat(streaming.await(10, TimeUnit.SECONDS)).as("transfer started").isTrue();
    ImportRequest db =
        new ImportRequest(
            new ImportRef("default", "db", "uid-db"),
            ImportSpec.builder(SOURCE_REF, "vm-43")
                .addNetworkMapping(new NetworkMapping("prod", "vlan1"))
                .build(),
            SOURCE);
    RecordingListener dbListener = new RecordingListener();
    List<String> callsBefore = List.copyOf(source.calls);

    ImportHandle second = engine.start(db, target, dbListener);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (dbListener.waits.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(dbListener.waits)
        .containsExactly(
            "Queued: 1 import(s) are exporting from fake https://lab, the most allowed at once"
                + " from one source host; this one is next");
    assertThat(source.calls.subList(callsBefore.size(), source.calls.size()))
        .as("nothing done to the waiting import's VM")
        .doesNotContain("shutdownGuest", "powerOff", "begin");

    source.streamOverride = null;
    first.cancel();
    assertThatThrownBy(() -> first.await(Duration.ofSeconds(30)))
        .isInstanceOf(VmImportException.class);
    assertThat(second.await(Duration.ofSeconds(30)).phase())
        .as("goes on once the first has left the host")
        .isEqualTo(ImportPhase.VM_RUNNING);
  }

  @Test
  void aSecondImportMakingTheSameTargetVmIsRefusedNamingTheFirst() throws Exception {
    // another VM of the same name (vSphere allows that in two folders), so the same target name
    source.moreVms.put("vm-43", vmWithTheDisksOf(source.vm, "vm-43", source.vm.name()));
    CountDownLatch streaming = new CountDownLatch(1);
    source.streamOverride = disk -> new EndlessStream(streaming);
    ImportHandle first = engine.start(request(spec().build()), target, listener);
    assertThat(streaming.await(10, TimeUnit.SECONDS)).as("transfer started").isTrue();
    ImportRequest twin =
        new ImportRequest(
            new ImportRef("default", "twin", "uid-twin"),
            ImportSpec.builder(SOURCE_REF, "vm-43")
                .addNetworkMapping(new NetworkMapping("prod", "vlan1"))
                .build(),
            SOURCE);

    ImportHandle second = engine.start(twin, target, new RecordingListener());
    VmImportException e =
        catchThrowableOfType(VmImportException.class, () -> second.await(Duration.ofSeconds(10)));

    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
    assertThat(e.getMessage())
        .containsPattern("target VM default/web-server-01-[0-9a-f]{8} is already being created")
        .contains("by import default/web-import");
    first.cancel();
    assertThatThrownBy(() -> first.await(Duration.ofSeconds(30)))
        .isInstanceOf(VmImportException.class);
  }

  @Test
  void aMappingThatMatchesNoNicIsAnErrorListingTheVmsNetworks() {
    ImportSpec spec = spec().addNetworkMapping(new NetworkMapping("VM Netwrok", "vlan2")).build();
    // as vSphere's preflight warns: said once, by the error
    source.preflightIssues =
        List.of(
            new ValidationIssue(
                ValidationIssue.Severity.WARNING,
                ErrorCode.NOT_FOUND,
                "VM has no NIC on network 'VM Netwrok'",
                Optional.of("spec.networkMapping[1].sourceNetwork")));

    List<ValidationIssue> issues = engine.validate(request(spec), target);
    VmImportException e = catchThrowableOfType(VmImportException.class, () -> run(spec));

    assertThat(issues)
        .singleElement()
        .satisfies(
            issue -> {
              assertThat(issue.isError()).isTrue();
              assertThat(issue.field()).contains("spec.networkMapping[1].sourceNetwork");
              assertThat(issue.message())
                  .isEqualTo(
                      "'VM Netwrok' matches no NIC of the VM; the VM's networks are 'prod',"
                          + " 'VM Network'");
            });
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
    assertThat(listener.phases).containsExactly("virtualMachineImportInvalid");
    assertThat(source.calls).doesNotContain("shutdownGuest", "powerOff", "begin");
  }

  @Test
  void validateReportsWhereEachNicWouldGo() {
    RecordingListener planned = new RecordingListener();

    engine.validate(request(spec().build()), target, planned);

    assertThat(planned.planned).singleElement();
    assertThat(planned.planned.get(0).nics())
        .extracting(nic -> nic.source().network().orElse("") + " -> " + nic.network())
        .containsExactly("prod -> default/vlan1", "VM Network -> pod");
  }

  /**
   * Another VM with disks of the same keys as {@code vm}'s; its last disk grown by {@code grow}.
   */
  private static SourceVm vmWithTheDisksOf(SourceVm vm, String id, String name, long... grow) {
    List<io.vmimport.api.model.SourceDisk> disks = new java.util.ArrayList<>(vm.disks());
    if (grow.length > 0) {
      io.vmimport.api.model.SourceDisk last = disks.get(disks.size() - 1);
      disks.set(
          disks.size() - 1,
          new io.vmimport.api.model.SourceDisk(
              last.index(),
              last.key(),
              last.name(),
              last.capacityBytes() + grow[0],
              last.allocatedBytes(),
              last.bus(),
              last.bootOrder()));
    }
    return new SourceVm(
        id,
        name,
        vm.cpu(),
        vm.memoryMiB(),
        vm.firmware(),
        disks,
        vm.nics(),
        vm.description(),
        vm.guestOs());
  }

  @Test
  void targetVmNameIsASanitisedLabel() {
    assertThat(run(spec().build()).vm().name()).matches("web-server-01-[0-9a-f]{8}");
  }

  /** Disk 2000 streams what {@code stream} makes (to fail or block it); the others their bytes. */
  private void disk2000Streams(java.util.function.Supplier<java.io.InputStream> stream) {
    source.streamOverride =
        disk ->
            disk.key().equals("2000")
                ? stream.get()
                : new java.io.ByteArrayInputStream(source.diskContent.get(disk.key()));
  }

  private static List<Path> leftoverFiles(Path root) throws IOException {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  private static byte[] randomBytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    // a zero run in the middle exercises the sparse writer
    java.util.Arrays.fill(bytes, size / 3, size / 3 + 65536, (byte) 0);
    return bytes;
  }

  /** Stands for the JVM dying: an Error no code path handles. */
  private static final class SimulatedCrash extends Error {
    private static final long serialVersionUID = 1L;
  }

  /** Fails at the first read, like a dropped connection. */
  private static final class FailingStream extends InputStream {
    private final IOException failure;

    FailingStream(IOException failure) {
      this.failure = failure;
    }

    @Override
    public int read() throws IOException {
      throw failure;
    }
  }

  /** Streams data until closed, like a large disk; a blocking read ends only by close. */
  private static final class EndlessStream extends InputStream {
    private final CountDownLatch started;
    private volatile boolean closed;

    EndlessStream(CountDownLatch started) {
      this.started = started;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (closed) {
        throw new IOException("stream closed");
      }
      started.countDown();
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        // a socket read would not notice an interrupt either; only close() ends it
        Thread.currentThread().interrupt();
      }
      java.util.Arrays.fill(b, off, off + len, (byte) 7);
      return len;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
