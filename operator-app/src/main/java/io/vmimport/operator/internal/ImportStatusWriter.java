package io.vmimport.operator.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.ImportPhase;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.ImportCondition;
import io.vmimport.api.event.ImportListener;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetStatus;
import io.vmimport.api.target.TargetVm;
import io.vmimport.operator.crd.Condition;
import io.vmimport.operator.crd.DiskInfo;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.operator.crd.VirtualMachineImportStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirrors one running import into its VirtualMachineImport's status, the way vm-import-controller
 * words it: {@code importStatus}, {@code importConditions}, {@code diskImportStatus} and {@code
 * importedVirtualMachineName}. Phase, condition and image changes are written at once; byte
 * progress at most once per {@code throttle}. Writes are serialised, each from the latest state. A
 * write the API server refuses for a reason that passes is tried again; the final status until it
 * is accepted, since a status left behind would run the finished import again.
 *
 * <p>Added, as charts/vmimport-operator/docs/COMPAT.md allows: a {@code Progress} condition on the
 * import (all disks) and on each disk (its stage, bytes and rate), and a {@code VMMigrationFailed}
 * condition whose reason is the error code.
 */
final class ImportStatusWriter implements ImportListener {
  static final String PROGRESS = "Progress";
  static final String FAILED = "VMMigrationFailed";

  private static final Logger log = LoggerFactory.getLogger(ImportStatusWriter.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final VirtualMachineImport object;
  private final Events events;
  private final OperatorMetrics metrics;
  private final ScheduledExecutorService scheduler;
  private final Duration throttle;
  private final Clock clock;
  private final Object writeLock = new Object();

  // state, guarded by this
  private ImportPhase phase;
  private String vmName;
  private List<Condition> conditions;
  private final Map<String, DiskInfo> disks = new LinkedHashMap<>();
  private final Map<String, DiskProgress> progress = new LinkedHashMap<>();
  private boolean flushScheduled;
  private Instant lastFlush = Instant.EPOCH;
  private int failures;

  private final ApiRetry.Backoff backoff;
  private final CompletableFuture<Void> settled = new CompletableFuture<>();

  ImportStatusWriter(
      KubernetesClient client,
      VirtualMachineImport object,
      Events events,
      OperatorMetrics metrics,
      ScheduledExecutorService scheduler,
      Duration throttle,
      Clock clock) {
    this(client, object, events, metrics, scheduler, throttle, clock, ApiRetry.Backoff.DEFAULT);
  }

  ImportStatusWriter(
      KubernetesClient client,
      VirtualMachineImport object,
      Events events,
      OperatorMetrics metrics,
      ScheduledExecutorService scheduler,
      Duration throttle,
      Clock clock,
      ApiRetry.Backoff backoff) {
    this.backoff = backoff;
    this.client = client;
    this.object = object;
    this.events = events;
    this.metrics = metrics;
    this.scheduler = scheduler;
    this.throttle = throttle;
    this.clock = clock;
    VirtualMachineImportStatus status = object.getStatus();
    this.phase = ImportReconciler.phaseOf(object);
    this.conditions =
        status == null || status.importConditions == null
            ? new ArrayList<>()
            : new ArrayList<>(status.importConditions);
    this.vmName = status == null ? null : status.importedVirtualMachineName;
    if (status != null && status.diskImportStatus != null) {
      status.diskImportStatus.forEach(d -> disks.put(d.diskName, d));
    }
  }

  @Override
  public void phaseChanged(ImportRef ref, ImportPhase next, String message) {
    ImportPhase previous;
    synchronized (this) {
      previous = phase;
      phase = next;
      if (next.terminal() || next == ImportPhase.VM_CREATED) {
        conditions = Conditions.set(conditions, PROGRESS, false, "Done", message, clock.instant());
      }
    }
    metrics.phaseChanged(object.getMetadata().getUid(), previous, next);
    if (next == ImportPhase.FAILED
        || next == ImportPhase.INVALID
        || next == ImportPhase.DISK_IMAGE_FAILED) {
      events.warning(object, eventReason(next), message);
    } else {
      events.normal(object, eventReason(next), message);
    }
    flushSoon(true);
  }

  @Override
  public void conditionChanged(ImportRef ref, ImportCondition condition) {
    synchronized (this) {
      conditions =
          Conditions.set(
              conditions,
              condition.type().wireValue(),
              condition.status(),
              condition.reason(),
              condition.message(),
              condition.time());
    }
    flushSoon(true);
  }

  @Override
  public void planned(ImportRef ref, TargetVm vm) {
    synchronized (this) {
      vmName = vm.name();
      for (TargetDisk disk : vm.disks()) {
        DiskInfo info = disks.computeIfAbsent(disk.name(), name -> new DiskInfo());
        info.diskName = disk.name();
        info.diskSize = disk.source().capacityBytes();
        info.busType = disk.bus().wireValue();
      }
    }
    flushSoon(true);
  }

  @Override
  public void diskProgress(ImportRef ref, DiskProgress update) {
    boolean stageChanged;
    synchronized (this) {
      DiskProgress before = progress.put(update.diskName(), update);
      stageChanged = before == null || before.stage() != update.stage();
      // only export updates count source bytes: a later stage's "done" is something else (the
      // DONE update carries the converted file's size)
      if (update.stage() == DiskProgress.Stage.EXPORTING) {
        long counted =
            before != null && before.stage() == DiskProgress.Stage.EXPORTING
                ? before.sourceBytes()
                : 0;
        metrics.bytesTransferred(Math.max(0, update.sourceBytes() - counted));
      }
      Instant now = clock.instant();
      DiskInfo info = disks.computeIfAbsent(update.diskName(), name -> new DiskInfo());
      info.diskName = update.diskName();
      info.diskConditions =
          Conditions.set(
              info.diskConditions,
              PROGRESS,
              update.stage() != DiskProgress.Stage.DONE,
              stageName(update.stage()),
              describe(update),
              now);
      conditions = Conditions.set(conditions, PROGRESS, true, "Transferring", overall(), now);
    }
    flushSoon(stageChanged);
  }

  @Override
  public void imageChanged(ImportRef ref, PublishedImage image, TargetStatus status) {
    synchronized (this) {
      Instant now = clock.instant();
      DiskInfo info = disks.computeIfAbsent(image.diskName(), name -> new DiskInfo());
      info.diskName = image.diskName();
      info.virtualMachineImage = image.imageName();
      List<Condition> c = info.diskConditions;
      switch (status.state()) {
        case PENDING -> {
          c =
              Conditions.set(
                  c, "VirtualMachineImageSubmitted", true, "Submitted", status.message(), now);
          c = Conditions.set(c, "VirtualMachineImageFailed", false, "", "", now);
        }
        case READY -> c = Conditions.set(c, "VirtualMachineImageReady", true, "Ready", "", now);
        case FAILED ->
            c =
                Conditions.set(
                    c, "VirtualMachineImageFailed", true, "ImportFailed", status.message(), now);
      }
      info.diskConditions = c;
    }
    flushSoon(true);
  }

  @Override
  public void warning(ImportRef ref, String message) {
    events.warning(object, "Warning", message);
  }

  /** The import waits before it can start: why, in the added {@code Progress} condition. */
  synchronized void waiting(String reason, String message) {
    conditions = Conditions.set(conditions, PROGRESS, false, reason, message, clock.instant());
  }

  /** The running import waits for a limit of the engine (exports from one source host). */
  @Override
  public void waiting(ImportRef ref, String reason, String message) {
    waiting(reason, message);
    events.normal(object, reason, message);
    flushSoon(true);
  }

  /**
   * The run ended with {@code e}: its code and message go to the status, with the phase change that
   * follows. A cancelled import's status is not kept (it is being deleted or suspended).
   */
  @Override
  public void failed(ImportRef ref, VmImportException e) {
    if (e.code() == ErrorCode.CANCELLED) {
      return;
    }
    synchronized (this) {
      conditions =
          Conditions.set(
              conditions, FAILED, true, e.code().name(), e.getMessage(), clock.instant());
    }
  }

  /**
   * Writes the current state now, from the calling thread. A refusal that may pass (see {@link
   * ApiRetry}) is tried again from the scheduler, with backoff: a few times for a state that later
   * writes replace anyway, and until it is accepted for a final one ({@link #settled()}).
   */
  void flushNow() {
    attempt();
  }

  /**
   * Completes once the final phase is in the status, or the import is gone: until then, the record
   * of the finished run is the one that holds, not the status in the cluster.
   */
  CompletableFuture<Void> settled() {
    return settled;
  }

  /** The phase of this run, which the cluster's status may not show yet. */
  synchronized ImportPhase phase() {
    return phase;
  }

  private void attempt() {
    synchronized (writeLock) {
      VirtualMachineImportStatus snapshot;
      boolean terminal;
      synchronized (this) {
        flushScheduled = false;
        lastFlush = clock.instant();
        snapshot = snapshot();
        terminal = phase.terminal();
      }
      try {
        boolean written = write(snapshot);
        synchronized (this) {
          failures = 0;
        }
        if (terminal || !written) {
          settled.complete(null);
        }
      } catch (KubernetesClientException e) {
        refused(e, terminal);
      }
    }
  }

  private void refused(KubernetesClientException e, boolean terminal) {
    ImportRef ref = ImportSpecs.ref(object);
    int failed;
    synchronized (this) {
      failed = ++failures;
    }
    if (!ApiRetry.passes(e)) {
      // not something waiting mends (the chart's RBAC, a status the CRD refuses): say so loudly;
      // a final status stays in this process's record, so that the import is not run again
      log.error(
          "cannot write the status of {} ({}): {}",
          ref,
          terminal ? "final, " + phase() : "not final",
          e.getMessage());
      return;
    }
    if (!terminal && failed >= backoff.attempts()) {
      log.warn(
          "cannot write the status of {} after {} attempts; its next change writes it again: {}",
          ref,
          failed,
          e.getMessage());
      synchronized (this) {
        failures = 0;
      }
      return;
    }
    Duration delay = backoff.delay(failed);
    log.warn(
        "cannot write the {}status of {} ({}): {}; trying again in {} ms",
        terminal ? "final " : "",
        ref,
        e.getCode(),
        e.getMessage(),
        delay.toMillis());
    synchronized (this) {
      if (flushScheduled) {
        return;
      }
      flushScheduled = true;
    }
    schedule(delay.toMillis());
  }

  /**
   * Writes {@code snapshot} over the status the API server holds now (read again on each attempt,
   * so that a conflict is resolved by applying this change to the newer object).
   *
   * @return false when the import is gone, or its name now belongs to another import
   */
  private boolean write(VirtualMachineImportStatus snapshot) {
    String uid = object.getMetadata().getUid();
    try {
      client
          .resources(VirtualMachineImport.class)
          .inNamespace(object.getMetadata().getNamespace())
          .withName(object.getMetadata().getName())
          .editStatus(
              current -> {
                if (!uid.equals(current.getMetadata().getUid())) {
                  throw new NotThisImport();
                }
                VirtualMachineImportStatus status =
                    current.getStatus() == null
                        ? new VirtualMachineImportStatus()
                        : current.getStatus();
                status.importStatus = snapshot.importStatus;
                status.importConditions = snapshot.importConditions;
                status.diskImportStatus = snapshot.diskImportStatus;
                if (snapshot.importedVirtualMachineName != null) {
                  status.importedVirtualMachineName = snapshot.importedVirtualMachineName;
                }
                current.setStatus(status);
                return current;
              });
      return true;
    } catch (NotThisImport e) {
      log.info(
          "{} was deleted and created again: the old run's status is not written",
          ImportSpecs.ref(object));
      return false;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  /** The object of this name is another import than the one this writer reports on. */
  private static final class NotThisImport extends RuntimeException {
    NotThisImport() {
      super(null, null, false, false);
    }
  }

  private void flushSoon(boolean urgent) {
    long delayMillis;
    synchronized (this) {
      if (flushScheduled) {
        return;
      }
      flushScheduled = true;
      long since = Duration.between(lastFlush, clock.instant()).toMillis();
      delayMillis = urgent ? 0 : Math.max(0, throttle.toMillis() - since);
    }
    schedule(delayMillis);
  }

  private void schedule(long delayMillis) {
    try {
      scheduler.schedule(this::attempt, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the operator is stopping: the next process writes the status again
      synchronized (this) {
        flushScheduled = false;
      }
    }
  }

  private synchronized VirtualMachineImportStatus snapshot() {
    VirtualMachineImportStatus status = new VirtualMachineImportStatus();
    status.importStatus = phase.wireValue();
    status.importConditions = conditions.isEmpty() ? null : conditions;
    status.diskImportStatus = disks.isEmpty() ? null : new ArrayList<>(disks.values());
    status.importedVirtualMachineName = vmName;
    // a deep copy: the run goes on changing the disks while this one is written
    return JSON.convertValue(status, VirtualMachineImportStatus.class);
  }

  /** All disks: bytes done of bytes known, e.g. "2 disk(s): 1.5 GiB of 6.0 GiB (25%)". */
  private String overall() {
    long done = 0;
    long total = 0;
    for (DiskProgress p : progress.values()) {
      if (p.stage() == DiskProgress.Stage.EXPORTING || p.stage() == DiskProgress.Stage.DONE) {
        done += p.done();
        total += Math.max(p.total(), p.done());
      }
    }
    return progress.size()
        + " disk(s): "
        + bytes(done)
        + " of "
        + bytes(total)
        + (total > 0 ? " (" + (done * 100 / total) + "%)" : "");
  }

  static String describe(DiskProgress p) {
    return switch (p.stage()) {
      case PREPARING -> "preparing the export";
      case EXPORTING ->
          "exporting: "
              + bytes(p.done())
              + (p.total() > 0
                  ? " of " + bytes(p.total()) + " (" + (p.done() * 100 / p.total()) + "%)"
                  : "")
              + (p.bytesPerSecond() > 0 ? ", " + bytes((long) p.bytesPerSecond()) + "/s" : "");
      case CONVERTING -> "converting: " + p.done() + "%";
      case PUBLISHING -> "publishing the image";
      case DONE -> "exported and converted: " + bytes(p.done());
    };
  }

  private static String stageName(DiskProgress.Stage stage) {
    String lower = stage.name().toLowerCase(Locale.ROOT);
    return Character.toUpperCase(lower.charAt(0)) + lower.substring(1);
  }

  static String bytes(long value) {
    if (value < 1024) {
      return value + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double scaled = value;
    int unit = -1;
    while (scaled >= 1024 && unit < units.length - 1) {
      scaled /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", scaled, units[unit]);
  }

  private static String eventReason(ImportPhase phase) {
    return switch (phase) {
      case NEW -> "Queued";
      case FAILED -> "ImportFailed";
      case INVALID -> "ImportInvalid";
      default -> {
        String wire = phase.wireValue();
        yield Character.toUpperCase(wire.charAt(0)) + wire.substring(1);
      }
    };
  }
}
