package io.vmimport.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.ConditionType;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.ImportCondition;
import io.vmimport.api.model.Cpu;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceRef;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.RemoteImageTarget;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetStatus;
import io.vmimport.api.target.TargetVm;
import io.vmimport.core.fake.CopyingConverter;
import io.vmimport.core.fake.FakeSource;
import io.vmimport.core.fake.FakeTarget;
import io.vmimport.core.fake.FakeTime;
import io.vmimport.core.fake.RecordingListener;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine with its disk work in workers ({@link DiskWorkers}): it powers the VM off before the
 * worker starts, hands the worker's progress on, publishes the disks from where the worker serves
 * them, and removes the worker once the target has them, or when the import fails.
 */
class DiskWorkersTest {
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
  private final RecordingListener listener = new RecordingListener();
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());
  private FakeSource source;
  private ScriptedWorkers workers;
  private ImportEngine engine;

  @BeforeEach
  void setUp() {
    source =
        new FakeSource(
            time,
            new SourceVm(
                "vm-7",
                "db01",
                new Cpu(2, 1),
                2048,
                Firmware.BIOS,
                List.of(SourceDisk.of(0, "2000", "root.vmdk", 1 << 20)),
                List.of(),
                Optional.empty(),
                Optional.empty()));
    source.diskContent.put("2000", new byte[1 << 20]);
    workers = new ScriptedWorkers();
    engine =
        new ImportEngine(
            new ProviderRegistry(List.of(source)),
            new CopyingConverter(),
            Optional.empty(),
            new InMemoryCheckpointStore(),
            EngineConfig.builder(dir.resolve("scratch"))
                .maxAttempts(2)
                .initialBackoff(Duration.ofMillis(1))
                .maxBackoff(Duration.ofMillis(2))
                .pollInterval(Duration.ofSeconds(5))
                .build(),
            time,
            Optional.of(workers));
  }

  @AfterEach
  void tearDown() {
    engine.close();
  }

  private ImportRequest request() {
    return new ImportRequest(REF, ImportSpec.builder(SOURCE_REF, "db01").build(), SOURCE);
  }

  @Test
  void theWorkerExportsAfterThePowerOffAndItsDisksArePublishedFromItsUrls() {
    URI url = URI.create("http://10.42.0.7:8080/token/disk-0.qcow2");
    workers.script =
        List.of(
            WorkerReport.starting(),
            report(
                WorkerReport.Stage.EXPORTING,
                List.of(new DiskProgress("disk-0", DiskProgress.Stage.EXPORTING, 512, 1024, 8)),
                Map.of()),
            report(WorkerReport.Stage.CONVERTING, List.of(), Map.of()),
            report(WorkerReport.Stage.SERVING, List.of(), Map.of("disk-0", url)));
    RemoteTarget target = new RemoteTarget(dir.resolve("out"));

    ImportResult result = engine.run(request(), target, listener);

    assertThat(result.images())
        .extracting(PublishedImage::location)
        .containsExactly(url.toString());
    assertThat(events)
        .as("what happened, in order")
        .containsExactly(
            "start with the VM " + PowerState.OFF,
            "publish disk-0 from " + url,
            "discard",
            "create VM db01");
    assertThat(listener.progress)
        .as("the worker's progress, handed on")
        .contains(new DiskProgress("disk-0", DiskProgress.Stage.EXPORTING, 512, 1024, 8));
    assertThat(listener.phases).contains("disksExported", "virtualMachineRunning");
  }

  /**
   * The worker's engine finds the VM off and reports its own export, as any run does; the import
   * shows how this run powered the VM off and exported, and takes from the worker only what the
   * worker alone knows: the guest conversion.
   */
  @Test
  void theImportKeepsItsOwnPowerOffAndTakesTheConversionFromTheWorker() {
    Instant at = Instant.parse("2026-12-03T20:00:00Z");
    URI url = URI.create("http://10.42.0.7:8080/token/disk-0.qcow2");
    workers.script =
        List.of(
            new WorkerReport(
                WorkerReport.Stage.SERVING,
                List.of(),
                List.of(
                    new ImportCondition(
                        ConditionType.VM_POWERED_OFF, true, "AlreadyOff", "VM db01 is off", at),
                    new ImportCondition(
                        ConditionType.VM_EXPORTED, true, "Exported", "1 disk(s) exported", at),
                    new ImportCondition(
                        ConditionType.GUEST_CONVERTED,
                        true,
                        "Converted",
                        "converted by virt-v2v",
                        at)),
                Map.of("disk-0", url),
                Optional.empty()));

    engine.run(request(), new RemoteTarget(dir.resolve("out")), listener);

    assertThat(listener.conditions)
        .filteredOn(c -> c.type() == ConditionType.VM_POWERED_OFF)
        .extracting(ImportCondition::reason)
        .as("VMPoweredOff: this run powered the VM off")
        .containsExactly("PoweredOff");
    assertThat(listener.conditions)
        .filteredOn(c -> c.type() == ConditionType.VM_EXPORTED)
        .as("VMExported, once")
        .hasSize(1);
    assertThat(listener.conditions)
        .filteredOn(c -> c.type() == ConditionType.GUEST_CONVERTED)
        .extracting(ImportCondition::message)
        .containsExactly("converted by virt-v2v");
  }

  @Test
  void aFailedWorkerFailsTheImportWithItsReasonAndIsRemoved() {
    workers.script =
        List.of(
            WorkerReport.failed(
                new VmImportException(
                    ErrorCode.EXPORT_FAILED, "Job x failed (BackoffLimitExceeded)", null, false)));

    VmImportException e =
        catchThrowableOfType(
            VmImportException.class,
            () -> engine.run(request(), new RemoteTarget(dir.resolve("out")), listener));

    assertThat(e.getMessage())
        .isEqualTo("the disk worker failed: Job x failed (BackoffLimitExceeded)");
    assertThat(listener.phases).last().isEqualTo("VMMigrationFailed");
    assertThat(events).containsExactly("start with the VM " + PowerState.OFF, "discard");
  }

  @Test
  void aTargetThatOnlyTakesFilesIsRefusedBeforeAnythingStarts() {
    VmImportException e =
        catchThrowableOfType(
            VmImportException.class,
            () -> engine.run(request(), new FakeTarget(dir.resolve("out")), listener));

    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
    assertThat(e.getMessage()).contains("cannot publish a disk from a URL");
    assertThat(events).doesNotContain("start with the VM " + PowerState.OFF);
    assertThat(source.power).as("the VM is left running").isEqualTo(PowerState.ON);
  }

  private static WorkerReport report(
      WorkerReport.Stage stage, List<DiskProgress> disks, Map<String, URI> images) {
    return new WorkerReport(stage, disks, List.of(), images, Optional.empty());
  }

  /** Workers that report a script, one report per poll, the last one for ever. */
  private final class ScriptedWorkers implements DiskWorkers {
    List<WorkerReport> script = List.of();
    int next;

    @Override
    public DiskWorker start(ImportRequest request, TargetVm vm) {
      events.add("start with the VM " + source.power);
      return () -> script.get(Math.min(next++, script.size() - 1));
    }

    @Override
    public void discard(ImportRef ref) {
      events.add("discard");
    }
  }

  /** The fake target, taking disks by URL as well. */
  private final class RemoteTarget implements RemoteImageTarget {
    private final FakeTarget files;

    RemoteTarget(Path dir) {
      files = new FakeTarget(dir);
    }

    @Override
    public PublishedImage publish(TargetVm vm, TargetDisk disk, URI url) {
      events.add("publish " + disk.name() + " from " + url);
      return new PublishedImage(disk.name(), vm.name() + "-" + disk.name(), url.toString());
    }

    @Override
    public io.vmimport.api.model.DiskFormat diskFormat() {
      return files.diskFormat();
    }

    @Override
    public List<ValidationIssue> preflight(TargetVm vm) {
      return files.preflight(vm);
    }

    @Override
    public Path diskPath(ImportRef ref, TargetDisk disk) {
      return files.diskPath(ref, disk);
    }

    @Override
    public PublishedImage publish(TargetVm vm, TargetDisk disk, Path file) {
      events.add("publish " + disk.name() + " from the file " + file);
      return files.publish(vm, disk, file);
    }

    @Override
    public TargetStatus imageStatus(TargetVm vm, PublishedImage image) {
      return files.imageStatus(vm, image);
    }

    @Override
    public String createVm(TargetVm vm, List<PublishedImage> images) {
      events.add("create VM " + vm.name());
      return files.createVm(vm, images);
    }

    @Override
    public boolean startsVms() {
      return true;
    }

    @Override
    public TargetStatus vmStatus(TargetVm vm) {
      return files.vmStatus(vm);
    }

    @Override
    public void discard(ImportRef ref) {
      files.discard(ref);
    }
  }
}
