package io.vmimport.core.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.ImportPhase;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.ConditionType;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.ImportListener;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.SourceProvider;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.target.ImportTarget;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.RemoteImageTarget;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetStatus;
import io.vmimport.api.target.TargetVm;
import io.vmimport.core.ImportResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One run of one import through the phases of the README's "How an import runs": validate, power
 * off, export and convert, convert the guest, publish, create the VM. This class is the script of
 * that flow and of how a run fails; each phase is done by a class of its own ({@link
 * PowerOffSequence}, {@link ExportRound}, {@link GuestConversionPhase}, {@link ImagePublisher}),
 * and what survives the process is kept by the {@link CheckpointJournal}, so that a run after a
 * crash continues.
 */
public final class ImportRun {
  private static final Logger log = LoggerFactory.getLogger(ImportRun.class);

  private final ImportRequest request;
  private final ImportRef ref;
  private final ImportTarget target;
  private final EngineServices services;
  private final CancelSignal cancel;
  private final String sourceIdentity;
  private final ImportReporter report;
  private final ImportCheck check;
  private final CheckpointJournal journal;
  private final SourceCleanup cleanup;
  // what this run works on, claimed once it is valid and released when it ends
  private RunningImports.Claim claim;

  public ImportRun(
      ImportRequest request,
      ImportTarget target,
      ImportListener listener,
      EngineServices services,
      CancelSignal cancel) {
    this.request = request;
    this.ref = request.ref();
    this.target = target;
    this.services = services;
    this.cancel = cancel;
    this.sourceIdentity = SourceIdentity.of(request.source());
    this.report = new ImportReporter(ref, listener, services.time());
    this.check = new ImportCheck(request, target, services.retrier(), sourceIdentity);
    this.journal = new CheckpointJournal(services.checkpoints(), ref);
    this.cleanup =
        new SourceCleanup(
            services.retrier(),
            services.time(),
            services.config().cleanupTimeout(),
            ref,
            journal,
            cancel);
  }

  public ImportResult execute() {
    MDC.put("vmimport.import", ref.toString());
    try {
      return phases();
    } catch (VmImportException e) {
      throw fail(cancel.isCancelled() ? cancelled(e) : e);
    } catch (RuntimeException e) {
      throw fail(
          cancel.isCancelled()
              ? cancelled(e)
              : new VmImportException(ErrorCode.INTERNAL, "import failed unexpectedly: " + e, e));
    } finally {
      removeStaging();
      if (claim != null) {
        // after the cleanup above: the VMs are free only once nothing of this run remains
        claim.close();
      }
      MDC.remove("vmimport.import");
      MDC.remove("vmimport.vm");
      MDC.remove("vmimport.step");
    }
  }

  /** Checks everything an import needs without changing anything on the source or target. */
  public List<ValidationIssue> validate() {
    List<ValidationIssue> issues = new ArrayList<>(SpecValidator.validate(request));
    if (ImportCheck.hasErrors(issues)) {
      return List.copyOf(issues);
    }
    SourceProvider provider = services.providers().forKind(request.source().kind());
    try (SourceSession session = open(provider)) {
      issues.addAll(check.preflight(session));
      if (!ImportCheck.hasErrors(issues)) {
        ImportCheck.Checked checked = check.plan(session);
        issues.addAll(checked.issues());
        issues.addAll(services.running().conflicts(ref, check.work(checked)));
        if (!ImportCheck.hasErrors(issues)) {
          report.listener().planned(ref, checked.vm());
        }
      }
    }
    return ImportCheck.withoutOverruledWarnings(issues);
  }

  private ImportResult phases() {
    step("validate");
    ImportCheck.rejectErrors(SpecValidator.validate(request));
    SourceProvider provider = services.providers().forKind(request.source().kind());
    try (SourceSession session = open(provider)) {
      cleanup.releaseLeftovers(session.exporter(), report.listener());
      List<ValidationIssue> preflightIssues = check.preflight(session);
      ImportCheck.rejectErrors(preflightIssues);
      ImportCheck.Checked checked = check.plan(session);
      ImportCheck.rejectErrors(checked.issues());
      // before anything changes on the source or in the target
      claim = services.running().claim(ref, check.work(checked));
      // the provider's warnings too: they were dropped, only validate showed them
      preflightIssues.forEach(issue -> report.warn(issue.toString()));
      checked.issues().forEach(issue -> report.warn(issue.toString()));
      TargetVm vm = checked.vm();
      MDC.put("vmimport.vm", vm.sourceName());
      report.listener().planned(ref, vm);
      report.enter(ImportPhase.VALID, "import is valid");
      report.enter(ImportPhase.SOURCE_READY, "source VM " + vm.sourceName() + " found");

      List<PublishedImage> images =
          services.diskWorkers().isPresent()
              ? workerDisks(session, provider, checked)
              : localDisks(session, provider, checked);
      report.enter(ImportPhase.DISK_IMAGES_READY, images.size() + " image(s) ready");

      step("create-vm");
      String location =
          services.retrier().call("creating VM " + vm.name(), () -> target.createVm(vm, images));
      report.enter(
          ImportPhase.VM_CREATED,
          "VM "
              + vm.name()
              + (target.createsObjects() ? " created: " : " written, not created in a cluster: ")
              + location);
      if (target.startsVms()) {
        step("start-vm");
        awaitRunning(vm);
        report.enter(ImportPhase.VM_RUNNING, "VM " + vm.name() + " is running");
      }
      journal.succeeded();
      return new ImportResult(ref, report.phase(), vm, images, location);
    }
  }

  /** Exports, converts and publishes the disks in this process. */
  private List<PublishedImage> localDisks(
      SourceSession session, SourceProvider provider, ImportCheck.Checked checked) {
    TargetVm vm = checked.vm();
    CheckpointJournal.Resumption resumption = resume(checked.source(), vm);
    Map<String, Path> files = finishedDisks(resumption);
    // what an earlier run's conversion said holds only while none of its disks is exported again
    Optional<String> converted =
        files.size() == vm.disks().size() ? resumption.guestConverted() : Optional.empty();
    if (files.size() < vm.disks().size()) {
      // the VM stays up while the import waits for its turn on the source host
      try (SourceHostSlots.Slot slot = takeHostSlot(checked.source())) {
        powerOff(session, provider, checked);
        step("export");
        List<TargetDisk> todo =
            vm.disks().stream().filter(d -> !files.containsKey(d.name())).toList();
        try {
          files.putAll(
              new ExportRound(services, target, report, cancel, journal, cleanup, sourceIdentity)
                  .run(session, checked.source(), todo));
        } catch (VmImportException e) {
          exportFailed(e);
          throw e;
        }
      }
    }
    exported(vm);

    step("convert-guest");
    GuestConversionPhase conversion =
        new GuestConversionPhase(
            services.guestConverter(),
            services.config().guestConversion(),
            services.config().guestConversionTimeout(),
            report,
            cancel);
    if (converted.isPresent()) {
      conversion.alreadyConverted(converted.get());
    } else {
      conversion
          .run(request.spec().guestConversion(), checked.source(), vm, files, target.diskFormat())
          .ifPresent(
              message ->
                  journal.guestConverted(
                      sourceIdentity, checked.source(), vm.disks(), files, message));
    }

    step("publish");
    return new ImagePublisher(services, target, report)
        .publish(vm, disk -> target.publish(vm, disk, files.get(disk.name())));
  }

  /**
   * Has a disk worker export, convert and serve the disks ({@link DiskWorkers}), and publishes them
   * from where it serves them. The worker keeps its own checkpoint; it is discarded once the target
   * has the images.
   */
  private List<PublishedImage> workerDisks(
      SourceSession session, SourceProvider provider, ImportCheck.Checked checked) {
    if (!(target instanceof RemoteImageTarget remote)) {
      throw RemoteDiskWork.notRemote(target.getClass().getSimpleName());
    }
    TargetVm vm = checked.vm();
    RemoteDiskWork work =
        new RemoteDiskWork(services, report, services.diskWorkers().orElseThrow(), remote);
    try (SourceHostSlots.Slot slot = takeHostSlot(checked.source())) {
      powerOff(session, provider, checked);
      step("export");
      try {
        work.export(request, vm);
      } catch (VmImportException e) {
        exportFailed(e);
        throw e;
      }
    }
    exported(vm);
    step("convert-guest");
    work.awaitServed();
    step("publish");
    return work.publish(vm);
  }

  private void powerOff(
      SourceSession session, SourceProvider provider, ImportCheck.Checked checked) {
    step("power-off");
    new PowerOffSequence(services.config(), services.time(), services.retrier())
        .run(
            session.power(),
            provider.capabilities(),
            checked.source(),
            request.spec(),
            (type, reason, message) -> report.condition(type, true, reason, message));
  }

  private void exportFailed(VmImportException e) {
    report.condition(ConditionType.VM_EXPORT_FAILED, true, e.code().name(), e.getMessage());
  }

  private void exported(TargetVm vm) {
    report.condition(
        ConditionType.VM_EXPORTED, true, "Exported", vm.disks().size() + " disk(s) exported");
    report.enter(ImportPhase.DISKS_EXPORTED, vm.disks().size() + " disk(s) exported and converted");
  }

  // ---------------------------------------------------------------- validate

  private SourceSession open(SourceProvider provider) {
    return services
        .retrier()
        .call(
            "connecting to source " + request.source().namespace() + "/" + request.source().name(),
            () -> provider.open(request.source()));
  }

  // ---------------------------------------------------------------- export, create

  /** A slot on the host the disks are read from; waits, told its place, while others hold them. */
  private SourceHostSlots.Slot takeHostSlot(SourceVm source) {
    step("queued");
    return services
        .hostSlots()
        .acquire(
            SourceIdentity.hostOf(request.source(), source),
            ref,
            (host, limit, ahead) -> {
              String message =
                  limit
                      + " import(s) are exporting from "
                      + host
                      + ", the most allowed at once from one source host; "
                      + (ahead == 0 ? "this one is next" : ahead + " waiting ahead of this one");
              log.info("{}: waiting: {}", ref, message);
              report.listener().waiting(ref, "Queued", message);
            });
  }

  /** What an earlier run of this import finished, as the journal has it; warns what is not. */
  private CheckpointJournal.Resumption resume(SourceVm source, TargetVm vm) {
    CheckpointJournal.Resumption resumption =
        journal.resume(sourceIdentity, source, vm.disks(), disk -> target.diskPath(ref, disk));
    resumption.warnings().forEach(report::warn);
    return resumption;
  }

  /** The disks an earlier run of this import finished, by target disk name; see the journal. */
  private Map<String, Path> finishedDisks(CheckpointJournal.Resumption resumption) {
    Map<String, Path> files = new LinkedHashMap<>();
    for (CheckpointJournal.ReusedDisk reused : resumption.disks()) {
      TargetDisk disk = reused.disk();
      log.info("{}: {} was finished by an earlier run, not exporting it again", ref, disk.name());
      files.put(disk.name(), reused.file());
      long size = reused.sizeBytes();
      report
          .listener()
          .diskProgress(ref, new DiskProgress(disk.name(), DiskProgress.Stage.DONE, size, size, 0));
    }
    return files;
  }

  private void awaitRunning(TargetVm vm) {
    String[] last = {""};
    boolean running =
        Deadline.await(
            services.time(),
            services.config().vmRunningTimeout(),
            services.config().pollInterval(),
            () -> {
              TargetStatus status =
                  services.retrier().call("status of VM " + vm.name(), () -> target.vmStatus(vm));
              last[0] = status.message();
              if (status.state() == TargetStatus.State.FAILED) {
                throw new VmImportException(
                    ErrorCode.TARGET_FAILED, "VM " + vm.name() + " failed: " + status.message());
              }
              return status.state() == TargetStatus.State.READY;
            });
    if (!running) {
      throw new VmImportException(
          ErrorCode.TIMEOUT,
          "VM "
              + vm.name()
              + " was not running within "
              + services.config().vmRunningTimeout()
              + " (last state: "
              + last[0]
              + ")");
    }
  }

  // ---------------------------------------------------------------- failure

  private void step(String name) {
    MDC.put("vmimport.step", name);
  }

  private static VmImportException cancelled(Exception cause) {
    return cause instanceof VmImportException v && v.code() == ErrorCode.CANCELLED
        ? v
        : new VmImportException(ErrorCode.CANCELLED, "import cancelled", cause);
  }

  /**
   * Reports a failure: a user's mistake found before the import was valid makes it invalid (a
   * transient error does not: upstream marked imports invalid forever on a login blip); anything
   * else fails it. A cancelled import leaves nothing behind in the target.
   */
  private VmImportException fail(VmImportException e) {
    if (e.code() == ErrorCode.CANCELLED && cancel.isSuspended()) {
      // the phase stays: a later run of the same import continues from the checkpoint
      log.info("{}: suspended in phase {}; finished disks are kept", ref, report.phase());
      return new VmImportException(
          ErrorCode.CANCELLED, "import suspended; running it again continues", e, true);
    }
    if (e.code() == ErrorCode.CANCELLED) {
      cleanUpCancelled(e);
      report.listener().failed(ref, e);
      report.enter(ImportPhase.FAILED, "cancelled");
      return e;
    }
    discardWorkers(e);
    boolean beforeValid = report.phase() == ImportPhase.NEW;
    report.listener().failed(ref, e);
    report.enter(
        beforeValid && !e.retryable() ? ImportPhase.INVALID : ImportPhase.FAILED, e.getMessage());
    return e;
  }

  private void cleanUpCancelled(VmImportException e) {
    try {
      // as the source's cleanup: a cancel while the target removes what it made cannot cut it short
      cancel.shielded(() -> target.discard(ref));
      discardWorkers(e);
      journal.cancelled();
    } catch (VmImportException cleanupFailure) {
      report.warn("cleaning up after cancel failed: " + cleanupFailure.getMessage());
      e.addSuppressed(cleanupFailure);
    }
  }

  /**
   * A failed or cancelled import's disk workers go, with their scratch and credentials: a run again
   * starts them afresh. A suspended import keeps them, to continue with them.
   */
  private void discardWorkers(VmImportException e) {
    services
        .diskWorkers()
        .ifPresent(
            workers -> {
              try {
                cancel.shielded(() -> workers.discard(ref));
              } catch (VmImportException failure) {
                report.warn("removing the disk worker failed: " + failure.getMessage());
                e.addSuppressed(failure);
              }
            });
  }

  private void removeStaging() {
    try {
      services.scratchFiles().removeStaging(ref);
    } catch (IOException | UncheckedIOException e) {
      report.warn(
          "could not remove scratch directory "
              + services.scratchFiles().stagingDir(ref)
              + ": "
              + e);
    }
  }
}
