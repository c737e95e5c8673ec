package io.vmimport.operator.internal;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.ImportPhase;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.ImportListener;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.target.ImportTarget;
import io.vmimport.core.ImportEngine;
import io.vmimport.core.ImportHandle;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.operator.crd.VirtualMachineImportStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs VirtualMachineImports. The reconcile never blocks on the import: it starts the run on the
 * engine (bounded by {@code maxConcurrentImports}; more imports wait, status {@code ""}) and
 * returns; the run writes its status as it goes. A finished import (running, failed or invalid) is
 * left alone. An import whose source is missing or not ready waits for it.
 *
 * <p>Restart: a new process finds the import in a non-final phase and runs it again; finished disks
 * are taken from the checkpoint, not exported again. Delete: the run is cancelled and what it made
 * on the source, in scratch and in Harvester is removed before the finalizer goes.
 */
public final class ImportReconciler
    implements Reconciler<VirtualMachineImport>, Cleaner<VirtualMachineImport> {
  private static final Logger log = LoggerFactory.getLogger(ImportReconciler.class);

  /** Why an import waits whose checkpoint annotation cannot be read. */
  static final String INVALID_CHECKPOINT = "InvalidCheckpoint";

  private final KubernetesClient client;
  private final ImportEngine engine;
  private final ImportTarget target;
  private final SourceResolver resolver;
  private final SourceKinds kinds;
  private final Events events;
  private final OperatorMetrics metrics;
  private final ScheduledExecutorService scheduler;
  private final Settings settings;
  private final Clock clock;
  private final Map<String, Running> running = new ConcurrentHashMap<>();

  /**
   * Runs that ended but whose final status the API server has not accepted yet, by uid. Their
   * writers keep trying; meanwhile this record, not the status in the cluster, says the import is
   * done, so that a resync does not power the source off and export everything again.
   */
  private final Map<String, ImportStatusWriter> unsettled = new ConcurrentHashMap<>();

  /** Tunables of the reconciler. */
  public record Settings(
      int maxConcurrentImports, Duration statusInterval, Duration waitInterval) {}

  private record Running(ImportRef ref, ImportHandle handle, ImportStatusWriter writer) {}

  public ImportReconciler(
      KubernetesClient client,
      ImportEngine engine,
      ImportTarget target,
      SourceResolver resolver,
      SourceKinds kinds,
      Events events,
      OperatorMetrics metrics,
      ScheduledExecutorService scheduler,
      Settings settings,
      Clock clock) {
    this.client = client;
    this.engine = engine;
    this.target = target;
    this.resolver = resolver;
    this.kinds = kinds;
    this.events = events;
    this.metrics = metrics;
    this.scheduler = scheduler;
    this.settings = settings;
    this.clock = clock;
  }

  static ImportPhase phaseOf(VirtualMachineImport vmi) {
    VirtualMachineImportStatus status = vmi.getStatus();
    if (status == null || status.importStatus == null) {
      return ImportPhase.NEW;
    }
    try {
      return ImportPhase.fromWireValue(status.importStatus);
    } catch (VmImportException e) {
      // a status written by something else: start over, the checkpoint keeps finished disks
      return ImportPhase.NEW;
    }
  }

  @Override
  public UpdateControl<VirtualMachineImport> reconcile(
      VirtualMachineImport vmi, Context<VirtualMachineImport> context) {
    String uid = vmi.getMetadata().getUid();
    ImportPhase phase = phaseOf(vmi);
    metrics.observe(uid, phase);
    if (phase.terminal() || running.containsKey(uid) || unsettled.containsKey(uid)) {
      return UpdateControl.noUpdate();
    }
    ImportRef ref = ImportSpecs.ref(vmi);
    ImportSpec spec;
    try {
      spec = ImportSpecs.from(vmi, resolver.policy());
    } catch (VmImportException e) {
      return invalid(vmi, e);
    }
    try {
      AnnotationCheckpointStore.parse(vmi);
    } catch (VmImportException e) {
      // not final: once the user fixes or removes the annotation, the import runs
      return waitFor(vmi, INVALID_CHECKPOINT, e.getMessage(), true);
    }
    Optional<SourceKind> kind = kinds.find(spec.sourceCluster().kind());
    if (kind.isEmpty()) {
      return invalid(
          vmi,
          new VmImportException(
              ErrorCode.INVALID_SPEC,
              "spec.sourceCluster.kind: " + kinds.notServed(spec.sourceCluster().kind())));
    }
    GenericKubernetesResource source = findSource(kind.get(), spec);
    String sourceName =
        spec.sourceCluster().kind()
            + " "
            + spec.sourceCluster().namespace()
            + "/"
            + spec.sourceCluster().name();
    if (source == null) {
      return waitFor(vmi, "SourceNotFound", sourceName + " does not exist (yet)", false);
    }
    if (!SourceChecker.isReady(source)) {
      return waitFor(
          vmi,
          "SourceNotReady",
          sourceName + " is not clusterReady yet" + readiness(source),
          false);
    }
    SourceSpec sourceSpec;
    try {
      sourceSpec = resolver.resolve(source);
    } catch (VmImportException e) {
      return waitFor(vmi, "SourceNotReady", e.getMessage(), false);
    }
    // reconciles of different imports run concurrently: count and start as one step. Imports
    // queued before this one go first (a free slot waits for the oldest's next look, at most
    // the wait interval), so that imports start in the order they were created.
    long ahead = queuedAhead(vmi, context);
    synchronized (running) {
      if (running.size() + ahead < settings.maxConcurrentImports()) {
        start(vmi, new ImportRequest(ref, spec, sourceSpec));
        return UpdateControl.noUpdate();
      }
    }
    return waitFor(
        vmi,
        "Queued",
        settings.maxConcurrentImports()
            + " import(s) are running, the most allowed at once"
            + (ahead > 0 ? "; " + ahead + " queued before this one" : ""),
        false);
  }

  /** Imports waiting for a slot that were created before {@code vmi} (oldest first wins). */
  private long queuedAhead(VirtualMachineImport vmi, Context<VirtualMachineImport> context) {
    return context
        .getPrimaryCache()
        .list()
        .filter(other -> !other.getMetadata().getUid().equals(vmi.getMetadata().getUid()))
        .filter(other -> !running.containsKey(other.getMetadata().getUid()))
        .filter(other -> other.getMetadata().getDeletionTimestamp() == null)
        .filter(
            other ->
                other.getStatus() != null
                    && "Queued".equals(waitingReason(other.getStatus()))
                    && !phaseOf(other).terminal())
        .filter(other -> QUEUE_ORDER.compare(other, vmi) < 0)
        .count();
  }

  /** Creation time, then namespace and name for imports created in the same second. */
  private static final Comparator<VirtualMachineImport> QUEUE_ORDER =
      Comparator.comparing(
              (VirtualMachineImport v) -> createdAt(v.getMetadata().getCreationTimestamp()))
          .thenComparing(v -> v.getMetadata().getNamespace())
          .thenComparing(v -> v.getMetadata().getName());

  private static Instant createdAt(String timestamp) {
    try {
      return timestamp == null ? Instant.MAX : Instant.parse(timestamp);
    } catch (java.time.format.DateTimeParseException e) {
      return Instant.MAX;
    }
  }

  private void start(VirtualMachineImport vmi, ImportRequest request) {
    String uid = vmi.getMetadata().getUid();
    ImportStatusWriter writer =
        new ImportStatusWriter(
            client, vmi, events, metrics, scheduler, settings.statusInterval(), clock);
    log.info("{}: starting the import of {}", request.ref(), request.spec().virtualMachineName());
    events.normal(vmi, "Started", "importing " + request.spec().virtualMachineName());
    Instant started = clock.instant();
    ImportHandle handle = engine.start(request, target, writer);
    running.put(uid, new Running(request.ref(), handle, writer));
    // runs in the import's thread when it ends (or here, when it already has)
    handle
        .completion()
        .whenComplete((result, error) -> ended(uid, request.ref(), error, writer, started));
  }

  private void ended(
      String uid, ImportRef ref, Throwable error, ImportStatusWriter writer, Instant started) {
    String outcome = "succeeded";
    if (error != null) {
      Throwable cause =
          error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
      VmImportException e =
          cause instanceof VmImportException v
              ? v
              : new VmImportException(ErrorCode.INTERNAL, "import failed: " + cause, cause);
      outcome =
          e.code() != ErrorCode.CANCELLED ? "failed" : e.retryable() ? "suspended" : "cancelled";
      // the engine reported it already, unless the run broke outside its own error handling
      writer.failed(ref, e);
    }
    try {
      writer.flushNow();
      if (writer.phase().terminal() && !writer.settled().isDone()) {
        // recorded before the run stops counting as running, so that no reconcile sees neither
        unsettled.put(uid, writer);
        writer.settled().thenRun(() -> unsettled.remove(uid, writer));
      }
    } finally {
      running.remove(uid);
      metrics.runEnded(outcome, Duration.between(started, clock.instant()));
    }
  }

  @Override
  public DeleteControl cleanup(VirtualMachineImport vmi, Context<VirtualMachineImport> context) {
    String uid = vmi.getMetadata().getUid();
    Running run = running.get(uid);
    if (run != null) {
      if (!run.handle().isDone()) {
        log.info("{}: deleted while running; cancelling", run.ref());
        run.handle().cancel();
      }
      // the run's own cleanup (source, scratch, Harvester objects) finishes before the finalizer
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofMillis(500));
    }
    // a run of this process that ended has no status left to write once its import is deleted
    unsettled.remove(uid);
    // not running here (finished, or this process restarted): remove what an earlier run left, in
    // any phase. Scratch files may remain from a run that died, whatever phase it had reached; the
    // target keeps what a finished import made and only ever removes objects with its uid.
    try {
      forgetInvalidCheckpoint(vmi);
      discard(vmi);
    } catch (VmImportException e) {
      log.warn("{}: cleaning up after delete failed: {}", ImportSpecs.ref(vmi), e.getMessage());
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(10));
    }
    metrics.observe(uid, null);
    return DeleteControl.defaultDelete();
  }

  /**
   * A checkpoint annotation that cannot be read cannot say what an earlier run left on the source;
   * the import is going, so the annotation goes too, and a Warning says where to look.
   */
  private void forgetInvalidCheckpoint(VirtualMachineImport vmi) {
    try {
      AnnotationCheckpointStore.parse(vmi);
    } catch (VmImportException e) {
      events.warning(
          vmi,
          INVALID_CHECKPOINT,
          e.getMessage()
              + ". What an earlier run may have left on the source is not known: check the source"
              + " for snapshots, volumes or images of this import");
      new AnnotationCheckpointStore(client).delete(ImportSpecs.ref(vmi));
    }
  }

  /**
   * Removes what an earlier run of {@code vmi} left: on its source too while the source and its
   * Secret can still be read. When they cannot, what remains on the source is logged (to be removed
   * by hand); when the source refuses for good, a Warning event says what remains. Either way the
   * rest is removed, so that deleting the import is never blocked by a source that is gone.
   */
  private void discard(VirtualMachineImport vmi) {
    ImportRef ref = ImportSpecs.ref(vmi);
    Optional<SourceSpec> source = resolvableSource(vmi);
    if (source.isPresent()) {
      try {
        // what the checkpoint names but the source left as not this import's: a Warning event
        engine.discard(
            ref,
            source.get(),
            target,
            new ImportListener() {
              @Override
              public void warning(ImportRef warned, String message) {
                events.warning(vmi, "SourceArtifactNotOwned", message);
              }
            });
        return;
      } catch (VmImportException e) {
        if (e.retryable()) {
          throw e;
        }
        events.warning(
            vmi,
            "SourceCleanupFailed",
            "could not remove what an earlier run left on the source: " + e.getMessage());
      }
    }
    engine.discard(ref, target);
  }

  /** The import's source with its credentials, if both can still be read. */
  private Optional<SourceSpec> resolvableSource(VirtualMachineImport vmi) {
    try {
      ImportSpec spec = ImportSpecs.from(vmi, resolver.policy());
      GenericKubernetesResource source =
          kinds.find(spec.sourceCluster().kind()).map(k -> findSource(k, spec)).orElse(null);
      return source == null ? Optional.empty() : Optional.of(resolver.resolve(source));
    } catch (VmImportException e) {
      log.info("{}: its source cannot be read: {}", ImportSpecs.ref(vmi), e.getMessage());
      return Optional.empty();
    }
  }

  private GenericKubernetesResource findSource(SourceKind kind, ImportSpec spec) {
    return client
        .genericKubernetesResources(kind.context())
        .inNamespace(spec.sourceCluster().namespace())
        .withName(spec.sourceCluster().name())
        .get();
  }

  /**
   * Stops every running import without undoing it, so that the next process continues them; waits
   * at most {@code timeout} for the runs to release what they hold on their sources.
   */
  public void suspendAll(Duration timeout) {
    List<Running> runs = new ArrayList<>(running.values());
    runs.forEach(r -> r.handle().suspend());
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Running run : runs) {
      long left = deadline - System.nanoTime();
      try {
        if (left > 0) {
          run.handle().await(Duration.ofNanos(left));
        }
      } catch (VmImportException e) {
        // suspended (or failed meanwhile): either way it has ended
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Imports running in this process now. */
  public int runningImports() {
    return running.size();
  }

  private UpdateControl<VirtualMachineImport> invalid(
      VirtualMachineImport vmi, VmImportException e) {
    log.warn("{}: invalid: {}", ImportSpecs.ref(vmi), e.getMessage());
    ImportStatusWriter writer =
        new ImportStatusWriter(
            client, vmi, events, metrics, scheduler, settings.statusInterval(), clock);
    writer.failed(ImportSpecs.ref(vmi), e);
    writer.phaseChanged(ImportSpecs.ref(vmi), ImportPhase.INVALID, e.getMessage());
    writer.flushNow();
    return UpdateControl.noUpdate();
  }

  /**
   * The import waits: {@code reason} and {@code message} in its {@code Progress} condition and in
   * an Event (a Warning when the user must act), once per reason.
   */
  private UpdateControl<VirtualMachineImport> waitFor(
      VirtualMachineImport vmi, String reason, String message, boolean userMustAct) {
    VirtualMachineImportStatus status = vmi.getStatus();
    String waiting = status == null ? null : waitingReason(status);
    if (!reason.equals(waiting)) {
      if (userMustAct) {
        log.warn("{}: waiting: {}", ImportSpecs.ref(vmi), message);
        events.warning(vmi, reason, message);
      } else {
        log.info("{}: waiting: {}", ImportSpecs.ref(vmi), message);
        events.normal(vmi, reason, message);
      }
      ImportStatusWriter writer =
          new ImportStatusWriter(
              client, vmi, events, metrics, scheduler, settings.statusInterval(), clock);
      writer.waiting(reason, message);
      writer.flushNow();
    }
    return UpdateControl.<VirtualMachineImport>noUpdate().rescheduleAfter(settings.waitInterval());
  }

  private static String waitingReason(VirtualMachineImportStatus status) {
    var condition = Conditions.find(status.importConditions, ImportStatusWriter.PROGRESS);
    return condition == null || "True".equals(condition.status) ? null : condition.reason;
  }

  private static String readiness(GenericKubernetesResource source) {
    var status = SourceChecker.statusOf(source);
    if (status.isEmpty()) {
      return " (not checked yet)";
    }
    var error = Conditions.find(status.get().conditions, "ClusterError");
    return error != null && "True".equals(error.status) ? ": " + error.message : "";
  }
}
