package io.vmimport.core.internal;

import io.vmimport.api.DnsNames;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.ImportPhase;
import io.vmimport.api.VmImportException;
import io.vmimport.api.convert.ConversionRequest;
import io.vmimport.api.convert.DiskConverter;
import io.vmimport.api.event.ConditionType;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.ImportCondition;
import io.vmimport.api.event.ImportListener;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.Preparation;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.SourceProvider;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.UnownedArtifact;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmLocator;
import io.vmimport.api.target.ImportTarget;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetStatus;
import io.vmimport.api.target.TargetVm;
import io.vmimport.core.Checkpoint;
import io.vmimport.core.CheckpointStore;
import io.vmimport.core.EngineConfig;
import io.vmimport.core.ImportResult;
import io.vmimport.core.ProviderRegistry;
import io.vmimport.core.TimeSource;
import io.vmimport.core.internal.disk.ExtentSink;
import io.vmimport.core.internal.disk.Qcow2Sink;
import io.vmimport.core.internal.disk.SparseRawSink;
import io.vmimport.core.internal.disk.StreamOptimizedVmdk;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One run of one import through the phases of DESIGN.md. Core owns the order; each provider and
 * target call does one thing. Finished disks are checkpointed, so a run after a crash continues.
 */
public final class ImportRun {
  private static final Logger log = LoggerFactory.getLogger(ImportRun.class);
  private static final Duration MAX_PREPARATION_WAIT = Duration.ofMinutes(1);
  private static final Duration CANCEL_GRACE = Duration.ofSeconds(30);
  private static final int FIRST_SECTOR = 512;

  /** What the engine shares between runs. */
  public record Services(
      ProviderRegistry providers,
      DiskConverter converter,
      CheckpointStore checkpoints,
      EngineConfig config,
      TimeSource time,
      Retrier retrier,
      ExecutorService diskExecutor,
      ScheduledExecutorService scheduler,
      ScratchBudget scratch,
      RunningImports running) {}

  private final ImportRequest request;
  private final ImportRef ref;
  private final ImportTarget target;
  private final ImportListener listener;
  private final Services services;
  private final CancelSignal cancel;
  private final Path scratch;
  private final String sourceIdentity;
  private final Object checkpointLock = new Object();
  // what this run works on, claimed once it is valid and released when it ends
  private RunningImports.Claim claim;
  // what the checkpoint lists as held on the source; guarded by checkpointLock
  private List<SourceArtifact> recordedArtifacts = List.of();
  private ImportPhase phase = ImportPhase.NEW;

  public ImportRun(
      ImportRequest request,
      ImportTarget target,
      ImportListener listener,
      Services services,
      CancelSignal cancel) {
    this.request = request;
    this.ref = request.ref();
    this.target = target;
    this.listener = listener;
    this.services = services;
    this.cancel = cancel;
    this.scratch = scratchOf(services.config(), ref);
    this.sourceIdentity = SourceIdentity.of(request.source());
  }

  /** The import's own directory in scratch, for files staged before conversion. */
  public static Path scratchOf(EngineConfig config, ImportRef ref) {
    return config
        .scratchDir()
        .resolve(DnsNames.toLabel(ref.namespace()) + "_" + DnsNames.toLabel(ref.name()));
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
      removeScratch();
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
    if (hasErrors(issues)) {
      return List.copyOf(issues);
    }
    SourceProvider provider = services.providers().forKind(request.source().kind());
    try (SourceSession session = open(provider)) {
      issues.addAll(preflight(session));
      if (!hasErrors(issues)) {
        Checked checked = plan(session);
        issues.addAll(checked.issues());
        issues.addAll(services.running().conflicts(ref, work(checked)));
        if (!hasErrors(issues)) {
          listener.planned(ref, checked.plan().vm());
        }
      }
    }
    return withoutOverruledWarnings(issues);
  }

  /**
   * The issues without the warnings about a field that also has an error: a provider may warn about
   * what core rejects (vSphere's preflight warns of a mapping that matches no NIC, which core makes
   * an error), and the user should read it once.
   */
  private static List<ValidationIssue> withoutOverruledWarnings(List<ValidationIssue> issues) {
    Set<String> fieldsInError =
        issues.stream()
            .filter(ValidationIssue::isError)
            .flatMap(issue -> issue.field().stream())
            .collect(Collectors.toSet());
    return issues.stream()
        .filter(
            issue ->
                issue.isError()
                    || issue.field().map(field -> !fieldsInError.contains(field)).orElse(true))
        .toList();
  }

  private ImportResult phases() {
    step("validate");
    List<ValidationIssue> specIssues = SpecValidator.validate(request);
    rejectErrors(specIssues);
    SourceProvider provider = services.providers().forKind(request.source().kind());
    try (SourceSession session = open(provider)) {
      releaseLeftovers(services, ref, session, listener);
      List<ValidationIssue> preflightIssues = preflight(session);
      rejectErrors(preflightIssues);
      Checked checked = plan(session);
      rejectErrors(checked.issues());
      // before anything changes on the source or in the target
      claim = services.running().claim(ref, work(checked));
      // the provider's warnings too: they were dropped, only validate showed them
      preflightIssues.forEach(issue -> warn(issue.toString()));
      checked.issues().forEach(issue -> warn(issue.toString()));
      TargetVm vm = checked.plan().vm();
      MDC.put("vmimport.vm", vm.sourceName());
      listener.planned(ref, vm);
      enter(ImportPhase.VALID, "import is valid");
      enter(ImportPhase.SOURCE_READY, "source VM " + vm.sourceName() + " found");

      Map<String, Path> files = finishedDisks(checked.source(), vm);
      if (files.size() < vm.disks().size()) {
        step("power-off");
        new PowerOffSequence(services.config(), services.time(), services.retrier())
            .run(
                session.power(),
                provider.capabilities(),
                checked.source(),
                request.spec(),
                (type, reason, message) -> condition(type, true, reason, message));
        step("export");
        try {
          files.putAll(exportDisks(session, checked.source(), vm, files.keySet()));
        } catch (VmImportException e) {
          condition(ConditionType.VM_EXPORT_FAILED, true, e.code().name(), e.getMessage());
          throw e;
        }
      }
      condition(
          ConditionType.VM_EXPORTED, true, "Exported", vm.disks().size() + " disk(s) exported");
      enter(ImportPhase.DISKS_EXPORTED, vm.disks().size() + " disk(s) exported and converted");

      step("publish");
      List<PublishedImage> images = publish(vm, files);
      enter(ImportPhase.DISK_IMAGES_READY, images.size() + " image(s) ready");

      step("create-vm");
      String location =
          services.retrier().call("creating VM " + vm.name(), () -> target.createVm(vm, images));
      enter(ImportPhase.VM_CREATED, "VM " + vm.name() + " created: " + location);
      if (target.startsVms()) {
        step("start-vm");
        awaitRunning(vm);
        enter(ImportPhase.VM_RUNNING, "VM " + vm.name() + " is running");
      }
      services.checkpoints().succeeded(ref);
      return new ImportResult(ref, phase, vm, images, location);
    }
  }

  private record Checked(
      SourceVm source, TargetVmPlanner.Plan plan, List<ValidationIssue> issues) {}

  private List<ValidationIssue> preflight(SourceSession session) {
    if (request.spec().skipPreflightChecks()) {
      return List.of();
    }
    return services
        .retrier()
        .call("preflight of " + ref, () -> session.validator().preflight(request.spec()));
  }

  /** Reads the source VM and plans the target VM, with the issues planning and the target find. */
  private Checked plan(SourceSession session) {
    VmLocator locator = new VmLocator(request.spec().virtualMachineName(), request.spec().folder());
    SourceVm source =
        services
            .retrier()
            .call("looking up VM " + locator, () -> session.inventory().describe(locator));
    TargetVmPlanner.Plan plan = TargetVmPlanner.plan(request, source);
    List<ValidationIssue> issues = new ArrayList<>(plan.issues());
    issues.addAll(services.retrier().call("target preflight", () -> target.preflight(plan.vm())));
    return new Checked(source, plan, issues);
  }

  /** The source VM and the target VM the import works on, for {@link RunningImports}. */
  private RunningImports.Work work(Checked checked) {
    SourceVm source = checked.source();
    return new RunningImports.Work(
        sourceIdentity + " VM " + source.id(),
        "'"
            + source.name()
            + "' ("
            + source.id()
            + ") of "
            + request.source().namespace()
            + "/"
            + request.source().name(),
        ref.namespace() + "/" + checked.plan().vm().name());
  }

  private static boolean hasErrors(List<ValidationIssue> issues) {
    return issues.stream().anyMatch(ValidationIssue::isError);
  }

  private SourceSession open(SourceProvider provider) {
    return services
        .retrier()
        .call(
            "connecting to source " + request.source().namespace() + "/" + request.source().name(),
            () -> provider.open(request.source()));
  }

  private void rejectErrors(List<ValidationIssue> issues) {
    List<ValidationIssue> errors = issues.stream().filter(ValidationIssue::isError).toList();
    if (!errors.isEmpty()) {
      ErrorCode code = errors.size() == 1 ? errors.get(0).code() : ErrorCode.INVALID_SPEC;
      throw new VmImportException(
          code, String.join("; ", errors.stream().map(ValidationIssue::toString).toList()));
    }
  }

  // ---------------------------------------------------------------- disks

  /**
   * Disks a previous run of this import finished, exported from the same source disk, still present
   * and unchanged, by target disk name. A checkpoint of another import (same namespace and name,
   * another uid) or a disk exported from another VM, source or disk is not reused: the run says so
   * and exports it again.
   */
  private Map<String, Path> finishedDisks(SourceVm source, TargetVm vm) {
    Checkpoint loaded = services.checkpoints().load(ref).orElse(Checkpoint.EMPTY);
    Checkpoint checkpoint = ownCheckpoint(loaded);
    if (checkpoint != loaded && !loaded.disks().isEmpty()) {
      warn(
          "the resume state holds "
              + loaded.disks().size()
              + " disk(s) finished by "
              + (loaded.importUid().isEmpty()
                  ? "a run that did not record its import's uid"
                  : "another import of the same name (uid " + loaded.importUid() + ")")
              + ", not by this one (uid "
              + ref.uid()
              + "); ignoring them");
    }
    Checkpoint kept = checkpoint;
    Map<String, Path> files = new LinkedHashMap<>();
    for (TargetDisk disk : vm.disks()) {
      Checkpoint.FinishedDisk finished = checkpoint.disks().get(disk.source().key());
      if (finished == null) {
        continue;
      }
      Path expected = target.diskPath(ref, disk);
      List<String> differences = finished.differences(finishedDisk(source, disk, expected, -1));
      if (!differences.isEmpty()) {
        warn(
            disk.name()
                + ": the file an earlier run converted ("
                + finished.path()
                + ") was exported from another disk: "
                + String.join(", ", differences)
                + "; exporting "
                + disk.source().name()
                + " again");
        kept = kept.withoutDisk(finished.diskKey());
        continue;
      }
      if (Path.of(finished.path()).equals(expected) && sizeOf(expected) == finished.sizeBytes()) {
        log.info("{}: {} was finished by an earlier run, not exporting it again", ref, disk.name());
        files.put(disk.name(), expected);
        listener.diskProgress(
            ref,
            new DiskProgress(
                disk.name(),
                DiskProgress.Stage.DONE,
                finished.sizeBytes(),
                finished.sizeBytes(),
                0));
      }
    }
    if (!kept.disks().equals(loaded.disks())) {
      synchronized (checkpointLock) {
        services.checkpoints().save(ref, kept);
      }
    }
    return files;
  }

  /**
   * The checkpoint if this import wrote it; else an empty one of this import that keeps what an
   * earlier export left on the source, for it to be released.
   */
  private Checkpoint ownCheckpoint(Checkpoint loaded) {
    return loaded.importUid().equals(ref.uid())
        ? loaded
        : Checkpoint.of(ref.uid()).withSourceArtifacts(loaded.sourceArtifacts());
  }

  private Checkpoint ownCheckpoint() {
    return ownCheckpoint(services.checkpoints().load(ref).orElse(Checkpoint.EMPTY));
  }

  /** The checkpoint entry of {@code disk} of {@code source}, converted into {@code file}. */
  private Checkpoint.FinishedDisk finishedDisk(
      SourceVm source, TargetDisk disk, Path file, long sizeBytes) {
    return new Checkpoint.FinishedDisk(
        disk.source().key(),
        file.toString(),
        sizeBytes,
        sourceIdentity,
        source.id(),
        disk.source().capacityBytes());
  }

  private Map<String, Path> exportDisks(
      SourceSession session, SourceVm source, TargetVm vm, java.util.Set<String> done) {
    List<TargetDisk> todo = vm.disks().stream().filter(d -> !done.contains(d.name())).toList();
    ExportSession export =
        services
            .retrier()
            .call(
                "starting export of " + source.name(),
                () -> session.exporter().begin(source, ArtifactOwner.of(ref)));
    recordArtifacts(export);
    long totalBytes = todo.stream().mapToLong(d -> d.source().capacityBytes()).sum();
    AtomicLong transferred = new AtomicLong();
    ScheduledFuture<?> keepAlive =
        services
            .scheduler()
            .scheduleAtFixedRate(
                () -> keepAlive(export, transferred.get(), totalBytes),
                services.config().keepAliveInterval().toMillis(),
                services.config().keepAliveInterval().toMillis(),
                TimeUnit.MILLISECONDS);
    AtomicInteger active = new AtomicInteger();
    List<Future<Path>> futures = new ArrayList<>();
    Map<String, Path> files = new LinkedHashMap<>();
    try {
      for (TargetDisk disk : todo) {
        futures.add(
            services
                .diskExecutor()
                .submit(
                    () -> {
                      active.incrementAndGet();
                      try {
                        return transferDisk(export, source, disk, transferred);
                      } finally {
                        active.decrementAndGet();
                      }
                    }));
      }
      for (int i = 0; i < todo.size(); i++) {
        files.put(todo.get(i).name(), await(futures.get(i)));
      }
    } catch (RuntimeException e) {
      stopTransfers(futures, active);
      abort(export, e);
      throw e;
    } finally {
      keepAlive.cancel(false);
    }
    try {
      services.retrier().run("completing export of " + source.name(), export::complete);
    } catch (RuntimeException e) {
      abort(export, e);
      throw e;
    }
    recordArtifacts(export);
    return files;
  }

  /** What the export of an earlier run of an import left on the source, by its checkpoint. */
  public static List<SourceArtifact> leftovers(Services services, ImportRef ref) {
    return services.checkpoints().load(ref).map(Checkpoint::sourceArtifacts).orElse(List.of());
  }

  /**
   * Removes what the export of an earlier run left on the source: that process died before it could
   * complete or abort its export (a run that ends, however it ends, removes its own). Hands the
   * checkpoint's {@link #leftovers} to the source to delete, then clears them from the checkpoint.
   * The checkpoint is not proof of ownership (a user can write one): the source deletes only what
   * carries this import's uid, and what it leaves in place because it does not is reported to
   * {@code listener} as a warning naming it, then forgotten, as it is not this import's to remove.
   *
   * @throws VmImportException the source could not delete them; they stay recorded
   */
  public static void releaseLeftovers(
      Services services, ImportRef ref, SourceSession session, ImportListener listener) {
    Checkpoint checkpoint = services.checkpoints().load(ref).orElse(Checkpoint.EMPTY);
    List<SourceArtifact> leftovers = checkpoint.sourceArtifacts();
    if (leftovers.isEmpty()) {
      return;
    }
    log.info("{}: removing what an earlier run left on the source: {}", ref, leftovers);
    List<UnownedArtifact> unowned =
        services
            .retrier()
            .call(
                "removing what an earlier run of "
                    + ref
                    + " left on the source ("
                    + leftovers
                    + ")",
                () -> session.exporter().release(leftovers, ArtifactOwner.of(ref)));
    for (UnownedArtifact artifact : unowned) {
      String message =
          "left "
              + artifact.artifact()
              + " on the source although the checkpoint of this import lists it: it is not this"
              + " import's ("
              + artifact.reason()
              + ")";
      log.warn("{}: {}", ref, message);
      listener.warning(ref, message);
    }
    services.checkpoints().save(ref, checkpoint.withSourceArtifacts(List.of()));
  }

  /** Keeps what the export holds on the source in the checkpoint, if it changed. */
  private void recordArtifacts(ExportSession export) {
    List<SourceArtifact> artifacts = export.artifacts();
    synchronized (checkpointLock) {
      if (!recordedArtifacts.equals(artifacts)) {
        services.checkpoints().save(ref, ownCheckpoint().withSourceArtifacts(artifacts));
        recordedArtifacts = List.copyOf(artifacts);
      }
    }
  }

  private Path await(Future<Path> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel.cancel();
      throw new VmImportException(ErrorCode.CANCELLED, "import cancelled", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof VmImportException v) {
        throw v;
      }
      throw new VmImportException(
          ErrorCode.INTERNAL, "disk transfer failed unexpectedly: " + e.getCause(), e.getCause());
    }
  }

  /**
   * Stops the other transfers after one failed (or on cancel) and waits until they have ended, so
   * that cleaning scratch and the target does not race with a transfer still writing. Tasks
   * cancelled before they started never run.
   */
  private void stopTransfers(List<Future<Path>> futures, AtomicInteger active) {
    futures.forEach(future -> future.cancel(true));
    boolean interrupted = Thread.interrupted();
    try {
      long deadline = System.nanoTime() + CANCEL_GRACE.toNanos();
      while (active.get() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      if (active.get() > 0) {
        warn(
            active.get()
                + " disk transfer(s) still running "
                + CANCEL_GRACE.toSeconds()
                + " s after cancel");
      }
    } catch (InterruptedException e) {
      interrupted = true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Cleans the source after a failure; a cleanup error is reported with the failure. */
  private void abort(ExportSession export, RuntimeException failure) {
    try {
      // the source must be cleaned even when the run was cancelled
      uninterruptibly("abort", export::abort);
    } catch (RuntimeException cleanup) {
      warn("cleaning up the export on the source failed: " + cleanup.getMessage());
      failure.addSuppressed(cleanup);
    } finally {
      // what abort could not remove stays recorded: the next run (or a discard) tries again
      try {
        recordArtifacts(export);
      } catch (RuntimeException e) {
        failure.addSuppressed(e);
      }
    }
  }

  /**
   * Runs a cleanup on a thread of its own and waits for it. Cleanups wait on remote state (a
   * snapshot that must become deletable, say); an interrupt would leave things behind, and cancel
   * interrupts the run's thread, as often as it is called.
   */
  private void uninterruptibly(String what, Runnable cleanup) {
    Map<String, String> mdc = MDC.getCopyOfContextMap();
    FutureTask<Void> task =
        new FutureTask<>(
            () -> {
              if (mdc != null) {
                MDC.setContextMap(mdc);
              }
              cleanup.run();
            },
            null);
    Thread thread = new Thread(task, "vmimport-cleanup-" + what + "-" + ref);
    thread.setDaemon(true);
    thread.start();
    boolean interrupted = false;
    try {
      while (true) {
        try {
          task.get();
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          if (e.getCause() instanceof RuntimeException runtime) {
            throw runtime;
          }
          if (e.getCause() instanceof Error error) {
            throw error;
          }
          throw new VmImportException(
              ErrorCode.INTERNAL, "cleanup " + what + " failed: " + e.getCause(), e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void keepAlive(ExportSession export, long transferred, long total) {
    int percent = total <= 0 ? 0 : (int) Math.min(99, transferred * 100 / total);
    try {
      export.keepAlive(percent);
    } catch (VmImportException e) {
      // the transfer itself will fail if the source really dropped the export
      log.warn("{}: keep-alive of the export failed: {}", ref, e.toString());
    }
  }

  private Path transferDisk(
      ExportSession export, SourceVm source, TargetDisk disk, AtomicLong transferred) {
    MDC.put("vmimport.import", ref.toString());
    MDC.put("vmimport.disk", disk.name());
    try {
      prepare(export, disk);
      Path file = target.diskPath(ref, disk);
      long size =
          services
              .retrier()
              .call(
                  "transfer of " + disk.name(),
                  () -> downloadAndConvert(export, disk, file, transferred));
      synchronized (checkpointLock) {
        services
            .checkpoints()
            .save(ref, ownCheckpoint().withDisk(finishedDisk(source, disk, file, size)));
      }
      listener.diskProgress(
          ref, new DiskProgress(disk.name(), DiskProgress.Stage.DONE, size, size, 0));
      return file;
    } finally {
      MDC.remove("vmimport.disk");
      MDC.remove("vmimport.import");
    }
  }

  private void prepare(ExportSession export, TargetDisk disk) {
    Instant deadline = services.time().now().plus(services.config().preparationTimeout());
    while (true) {
      checkCancelled();
      Preparation preparation;
      try {
        preparation =
            services
                .retrier()
                .call("preparing " + disk.name(), () -> export.prepare(disk.source()));
      } finally {
        // a step may have created something on the source, even when it then failed
        recordArtifacts(export);
      }
      if (preparation.isReady()) {
        return;
      }
      listener.diskProgress(
          ref, new DiskProgress(disk.name(), DiskProgress.Stage.PREPARING, 0, -1, 0));
      if (!services.time().now().isBefore(deadline)) {
        throw new VmImportException(
            ErrorCode.TIMEOUT,
            disk.name()
                + " was not ready on the source after "
                + services.config().preparationTimeout()
                + " (last state: "
                + preparation.detail()
                + ")");
      }
      Duration wait = preparation.retryAfter();
      Deadline.sleep(
          services.time(), wait.compareTo(MAX_PREPARATION_WAIT) > 0 ? MAX_PREPARATION_WAIT : wait);
    }
  }

  /** One attempt at bringing a disk from the source to its converted file; returns its size. */
  private long downloadAndConvert(
      ExportSession export, TargetDisk disk, Path file, AtomicLong transferred) {
    checkCancelled();
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    Path staged = null;
    long before = transferred.get();
    boolean done = false;
    try {
      Files.createDirectories(file.getParent());
      Files.deleteIfExists(partial);
      Files.deleteIfExists(file);
      DiskStream stream = export.open(disk.source());
      cancel.register(stream);
      try (stream) {
        ProgressMeter meter =
            new ProgressMeter(
                listener,
                ref,
                disk.name(),
                DiskProgress.Stage.EXPORTING,
                stream.length().orElse(-1),
                services.time());
        PushbackInputStream input = new PushbackInputStream(stream.input(), FIRST_SECTOR);
        byte[] first = input.readNBytes(FIRST_SECTOR);
        input.unread(first);
        SparseCopy.Counter counter =
            bytes -> {
              transferred.set(before + bytes);
              meter.update(bytes);
            };
        DiskFormat from = stream.format();
        DiskFormat to = target.diskFormat();
        boolean sinkable = to == DiskFormat.QCOW2 || to == DiskFormat.RAW;
        if (from == DiskFormat.RAW && sinkable) {
          try (ExtentSink sink = sinkFor(to, partial)) {
            meter.finish(SparseCopy.copy(input, sink, counter));
          }
        } else if (from == to) {
          meter.finish(SparseCopy.copy(input, partial, counter));
        } else if (from == DiskFormat.VMDK && StreamOptimizedVmdk.matches(first) && sinkable) {
          // decoded on the fly: no staged copy in scratch, no second pass over the data
          try (ExtentSink sink = sinkFor(to, partial)) {
            StreamOptimizedVmdk.decode(input, sink, counter::copied);
          }
          meter.finish(transferred.get() - before);
        } else {
          // formats that need random access (qcow2, sparse VMDK, VHD) are staged, then converted
          staged = scratch.resolve(disk.name() + "." + from.id());
          try (ScratchBudget.Reservation reservation = reserveScratch(disk, stream)) {
            Files.createDirectories(scratch);
            Files.deleteIfExists(staged);
            meter.finish(SparseCopy.copy(input, staged, counter));
            stream.close();
            convert(disk, staged, stream, partial);
            deleteQuietly(staged);
          }
        }
      } finally {
        cancel.unregister(stream);
      }
      move(partial, file);
      done = true;
      return Files.size(file);
    } catch (IOException e) {
      throw translate(e, disk);
    } finally {
      if (staged != null) {
        deleteQuietly(staged);
      }
      if (!done) {
        transferred.set(before);
        deleteQuietly(partial);
      }
    }
  }

  /**
   * Reserves the staged file's size: the stream's length, else the source's allocation, else its
   * capacity.
   */
  private ScratchBudget.Reservation reserveScratch(TargetDisk disk, DiskStream stream) {
    long needed =
        stream
            .length()
            .orElse(disk.source().allocatedBytes().orElse(disk.source().capacityBytes()));
    return services
        .scratch()
        .reserve(
            disk.name() + " (staged in " + scratch + ")",
            needed,
            (bytes, free) ->
                warn(
                    disk.name()
                        + " waits for scratch space held by other disks: needs "
                        + bytes
                        + " bytes, "
                        + free
                        + " free"));
  }

  private static ExtentSink sinkFor(DiskFormat format, Path file) throws IOException {
    return format == DiskFormat.QCOW2 ? new Qcow2Sink(file) : new SparseRawSink(file);
  }

  private void convert(TargetDisk disk, Path staged, DiskStream stream, Path output) {
    checkCancelled();
    ProgressMeter meter =
        new ProgressMeter(
            listener, ref, disk.name(), DiskProgress.Stage.CONVERTING, 100, services.time());
    services
        .converter()
        .convert(
            new ConversionRequest(
                staged, Optional.of(stream.format()), output, target.diskFormat()),
            (done, total) -> meter.update(done));
    meter.finish(100);
  }

  private VmImportException translate(IOException e, TargetDisk disk) {
    if (cancel.isCancelled()
        || e instanceof ClosedByInterruptException
        || e instanceof InterruptedIOException) {
      return new VmImportException(
          ErrorCode.CANCELLED, "transfer of " + disk.name() + " cancelled", e);
    }
    String message = String.valueOf(e.getMessage());
    if (message.contains("No space left on device")) {
      return new VmImportException(
          ErrorCode.SCRATCH_EXHAUSTED,
          "no space left while writing "
              + disk.name()
              + " (scratch "
              + scratch
              + "); free some space or choose another directory",
          e);
    }
    return new VmImportException(
        ErrorCode.EXPORT_FAILED, "transfer of " + disk.name() + " failed: " + e, e);
  }

  // ---------------------------------------------------------------- publish and start

  private List<PublishedImage> publish(TargetVm vm, Map<String, Path> files) {
    List<PublishedImage> images = new ArrayList<>();
    for (TargetDisk disk : vm.disks()) {
      Path file = files.get(disk.name());
      PublishedImage image =
          services
              .retrier()
              .call("publishing " + disk.name(), () -> target.publish(vm, disk, file));
      images.add(image);
      listener.imageChanged(ref, image, TargetStatus.pending("submitted"));
    }
    enter(ImportPhase.DISK_IMAGE_SUBMITTED, images.size() + " image(s) submitted");
    int[] resubmissions = new int[images.size()];
    TargetStatus[] last = new TargetStatus[images.size()];
    Arrays.fill(last, TargetStatus.pending("submitted"));
    boolean ready =
        Deadline.await(
            services.time(),
            services.config().imageReadyTimeout(),
            services.config().pollInterval(),
            () -> allImagesReady(vm, files, images, resubmissions, last));
    if (!ready) {
      throw new VmImportException(
          ErrorCode.TIMEOUT,
          "images were not ready within "
              + HumanDuration.format(services.config().imageReadyTimeout()));
    }
    return images;
  }

  private boolean allImagesReady(
      TargetVm vm,
      Map<String, Path> files,
      List<PublishedImage> images,
      int[] resubmissions,
      TargetStatus[] last) {
    boolean all = true;
    for (int i = 0; i < images.size(); i++) {
      PublishedImage image = images.get(i);
      TargetStatus status =
          services
              .retrier()
              .call("status of image " + image.imageName(), () -> target.imageStatus(vm, image));
      if (!status.equals(last[i])) {
        last[i] = status;
        listener.imageChanged(ref, image, status);
      }
      switch (status.state()) {
        case READY -> {}
        case PENDING -> all = false;
        case FAILED -> {
          all = false;
          if (resubmissions[i] >= services.config().imageResubmissions()) {
            enter(ImportPhase.DISK_IMAGE_FAILED, image.imageName() + ": " + status.message());
            throw new VmImportException(
                ErrorCode.TARGET_FAILED,
                "image "
                    + image.imageName()
                    + " failed "
                    + (resubmissions[i] + 1)
                    + " time(s): "
                    + status.message(),
                null,
                false);
          }
          resubmissions[i]++;
          TargetDisk disk = vm.disks().get(i);
          log.warn(
              "{}: image {} failed ({}), submitting it again ({}/{})",
              ref,
              image.imageName(),
              status.message(),
              resubmissions[i],
              services.config().imageResubmissions());
          PublishedImage again =
              services
                  .retrier()
                  .call(
                      "publishing " + disk.name(),
                      () -> target.publish(vm, disk, files.get(disk.name())));
          images.set(i, again);
          last[i] = TargetStatus.pending("submitted again");
          listener.imageChanged(ref, again, last[i]);
        }
      }
    }
    return all;
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

  // ---------------------------------------------------------------- phases and failure

  private void enter(ImportPhase next, String message) {
    phase = next;
    log.info("{}: {} ({})", ref, next, message);
    listener.phaseChanged(ref, next, message);
  }

  private void condition(ConditionType type, boolean status, String reason, String message) {
    log.info("{}: condition {}={} {}: {}", ref, type.wireValue(), status, reason, message);
    listener.conditionChanged(
        ref, new ImportCondition(type, status, reason, message, services.time().now()));
  }

  /**
   * Tells the user once: through the listener, which shows it (the CLI prints it, the operator
   * makes it an event), or in the log when nobody listens. Logging it at WARN as well printed every
   * warning twice on the CLI's stderr.
   */
  private void warn(String message) {
    if (listener == ImportListener.NONE) {
      log.warn("{}: {}", ref, message);
    } else {
      log.info("{}: warning: {}", ref, message);
    }
    listener.warning(ref, message);
  }

  private void step(String name) {
    MDC.put("vmimport.step", name);
  }

  private void checkCancelled() {
    if (cancel.isCancelled() || Thread.currentThread().isInterrupted()) {
      throw new VmImportException(ErrorCode.CANCELLED, "import cancelled");
    }
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
      log.info("{}: suspended in phase {}; finished disks are kept", ref, phase);
      return new VmImportException(
          ErrorCode.CANCELLED, "import suspended; running it again continues", e, true);
    }
    if (e.code() == ErrorCode.CANCELLED) {
      cleanUpCancelled(e);
      listener.failed(ref, e);
      enter(ImportPhase.FAILED, "cancelled");
      return e;
    }
    boolean beforeValid = phase == ImportPhase.NEW;
    listener.failed(ref, e);
    enter(beforeValid && !e.retryable() ? ImportPhase.INVALID : ImportPhase.FAILED, e.getMessage());
    return e;
  }

  private void cleanUpCancelled(VmImportException e) {
    try {
      uninterruptibly("discard", () -> target.discard(ref));
      // what the source's cleanup could not remove stays recorded, for a discard or the next run
      List<SourceArtifact> leftovers = leftovers(services, ref);
      if (leftovers.isEmpty()) {
        services.checkpoints().delete(ref);
      } else {
        services.checkpoints().save(ref, Checkpoint.EMPTY.withSourceArtifacts(leftovers));
      }
    } catch (VmImportException cleanup) {
      warn("cleaning up after cancel failed: " + cleanup.getMessage());
      e.addSuppressed(cleanup);
    }
  }

  private void removeScratch() {
    try {
      deleteTree(scratch);
    } catch (IOException | UncheckedIOException e) {
      warn("could not remove scratch directory " + scratch + ": " + e);
    }
  }

  /** Deletes {@code dir} and everything below it; nothing when it does not exist. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.error("could not delete {}: {}", file, e.toString());
    }
  }
}
