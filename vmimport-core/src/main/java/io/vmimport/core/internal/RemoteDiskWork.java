package io.vmimport.core.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.ConditionType;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.ImportCondition;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.RemoteImageTarget;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetVm;
import io.vmimport.core.DiskWorkers;
import io.vmimport.core.WorkerReport;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk work of a run done by a worker ({@link DiskWorkers}): starts it once the source VM is
 * off, follows it through export and guest conversion, publishes the disks from where it serves
 * them, and removes it once the target has them.
 *
 * <p>Follows the worker until it reaches a stage: polls it every second (or the poll interval, when
 * shorter), hands its disk progress and the conditions only it knows ({@link #WORKERS_OWN}) to the
 * run's listener as if the run made them, and turns its failure into the run's. Has no deadline of
 * its own (an export takes as long as the disks need); a cancel interrupts the wait. A worker that
 * stays unreachable is the worker's keeper's to report (its {@code poll} fails then).
 */
final class RemoteDiskWork {
  private static final Logger log = LoggerFactory.getLogger(RemoteDiskWork.class);

  private static final Duration MOST_OFTEN = Duration.ofSeconds(1);

  /**
   * The conditions only the worker knows. The others it reports as any run does (it finds the VM
   * off, it exported or failed to), and this run reports them itself: the VM was powered off here,
   * and the export's outcome is the worker's stage.
   */
  private static final Set<ConditionType> WORKERS_OWN = EnumSet.of(ConditionType.GUEST_CONVERTED);

  private final EngineServices services;
  private final ImportReporter report;
  private final DiskWorkers workers;
  private final RemoteImageTarget target;
  private DiskWorkers.DiskWorker worker;
  private Map<String, URI> urls = Map.of();
  private final Map<String, DiskProgress> lastProgress = new HashMap<>();
  private final Set<ImportCondition> conditionsSeen = new HashSet<>();
  private WorkerReport.Stage lastStage;

  RemoteDiskWork(
      EngineServices services,
      ImportReporter report,
      DiskWorkers workers,
      RemoteImageTarget target) {
    this.services = requireNonNull(services, "services is null");
    this.report = requireNonNull(report, "report is null");
    this.workers = requireNonNull(workers, "workers is null");
    this.target = requireNonNull(target, "target is null");
  }

  /** Starts the worker (or finds it) and waits until it has exported the disks of {@code vm}. */
  void export(ImportRequest request, TargetVm vm) {
    worker = services.retrier().call("starting the disk worker", () -> workers.start(request, vm));
    await(WorkerReport.Stage.CONVERTING);
  }

  /** Waits until the worker has converted the guest and serves every disk. */
  void awaitServed() {
    urls = await(WorkerReport.Stage.SERVING).images();
  }

  /**
   * Publishes each disk from where the worker serves it and waits until the target has them all;
   * then the worker, its scratch and its credentials go.
   *
   * @return the images in disk order
   */
  List<PublishedImage> publish(TargetVm vm) {
    List<PublishedImage> images =
        new ImagePublisher(services, target, report).publish(vm, disk -> publishOne(vm, disk));
    services.retrier().run("removing the disk worker", () -> workers.discard(report.ref()));
    return images;
  }

  private PublishedImage publishOne(TargetVm vm, TargetDisk disk) {
    URI url = urls.get(disk.name());
    if (url == null) {
      throw new VmImportException(
          ErrorCode.INTERNAL,
          "the disk worker serves no " + disk.name() + ", only " + urls.keySet());
    }
    return target.publish(vm, disk, url);
  }

  /** Waits until the worker has reached {@code stage} or a later one; returns what it reports. */
  private WorkerReport await(WorkerReport.Stage stage) {
    while (true) {
      WorkerReport now = services.retrier().call("status of the disk worker", worker::poll);
      forward(now);
      if (now.stage() == WorkerReport.Stage.FAILED) {
        VmImportException why = now.failure().orElseThrow();
        throw new VmImportException(
            why.code(), "the disk worker failed: " + why.getMessage(), why, why.retryable());
      }
      if (now.stage().compareTo(stage) >= 0) {
        return now;
      }
      Deadline.sleep(services.time(), interval());
    }
  }

  /**
   * How often the worker is asked: every second at most, so that its progress shows as it moves
   * (asking it is cheap; its keeper decides how often the cluster is asked).
   */
  private Duration interval() {
    Duration configured = services.config().pollInterval();
    return configured.compareTo(MOST_OFTEN) < 0 ? configured : MOST_OFTEN;
  }

  private void forward(WorkerReport now) {
    if (now.stage() != lastStage) {
      log.info("{}: disk worker {}", report.ref(), now.stage());
      lastStage = now.stage();
    }
    for (DiskProgress progress : now.disks()) {
      if (!progress.equals(lastProgress.put(progress.diskName(), progress))) {
        report.listener().diskProgress(report.ref(), progress);
      }
    }
    for (ImportCondition condition : now.conditions()) {
      if (WORKERS_OWN.contains(condition.type()) && conditionsSeen.add(condition)) {
        report.condition(
            condition.type(), condition.status(), condition.reason(), condition.message());
      }
    }
  }

  static VmImportException notRemote(String target) {
    return new VmImportException(
        ErrorCode.INVALID_SPEC,
        "disk workers serve the disks, and the target "
            + target
            + " cannot publish a disk from a URL; run the disk work in this process");
  }
}
