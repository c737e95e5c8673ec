package io.vmimport.core.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.ImportCondition;
import io.vmimport.core.DiskWorkers;
import io.vmimport.core.WorkerReport;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a disk worker until it reaches a stage: polls it every second (or the poll interval, when
 * shorter), hands its disk progress and conditions to the run's listener as if the run made them,
 * and turns its failure into the run's. Has no deadline of its own (an export takes as long as the
 * disks need); a cancel interrupts the wait. A worker that stays unreachable is the worker's
 * keeper's to report (its {@code poll} fails then).
 */
final class RemoteDiskWork {
  private static final Logger log = LoggerFactory.getLogger(RemoteDiskWork.class);

  private static final Duration MOST_OFTEN = Duration.ofSeconds(1);

  private final EngineServices services;
  private final ImportReporter report;
  private final DiskWorkers.DiskWorker worker;
  private final Map<String, DiskProgress> lastProgress = new HashMap<>();
  private final Set<ImportCondition> conditionsSeen = new HashSet<>();
  private WorkerReport.Stage lastStage;

  RemoteDiskWork(EngineServices services, ImportReporter report, DiskWorkers.DiskWorker worker) {
    this.services = requireNonNull(services, "services is null");
    this.report = requireNonNull(report, "report is null");
    this.worker = requireNonNull(worker, "worker is null");
  }

  /** Waits until the worker has reached {@code stage} or a later one; returns what it reports. */
  WorkerReport await(WorkerReport.Stage stage) {
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
      if (conditionsSeen.add(condition)) {
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
