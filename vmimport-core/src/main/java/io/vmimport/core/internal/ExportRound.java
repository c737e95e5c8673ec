package io.vmimport.core.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.Preparation;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.target.ImportTarget;
import io.vmimport.api.target.TargetDisk;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One export of a VM's disks: begins it on the source, prepares and transfers the disks in parallel
 * on the engine's disk threads while a keep-alive tells the source the export is alive, and ends
 * it: completed when every disk arrived, aborted (the other transfers stopped first) when one
 * failed or the run was cancelled. What the export holds on the source is journaled as it changes,
 * so that a process that dies mid-export leaves the next run a list to release.
 */
final class ExportRound {
  private static final Logger log = LoggerFactory.getLogger(ExportRound.class);
  private static final Duration MAX_PREPARATION_WAIT = Duration.ofMinutes(1);
  private static final Duration CANCEL_GRACE = Duration.ofSeconds(30);

  private final EngineServices services;
  private final ImportTarget target;
  private final ImportReporter report;
  private final CancelSignal cancel;
  private final CheckpointJournal journal;
  private final SourceCleanup cleanup;
  private final DiskPipeline pipeline;
  private final String sourceIdentity;

  ExportRound(
      EngineServices services,
      ImportTarget target,
      ImportReporter report,
      CancelSignal cancel,
      CheckpointJournal journal,
      SourceCleanup cleanup,
      String sourceIdentity) {
    this.services = requireNonNull(services, "services is null");
    this.target = requireNonNull(target, "target is null");
    this.report = requireNonNull(report, "report is null");
    this.cancel = requireNonNull(cancel, "cancel is null");
    this.journal = requireNonNull(journal, "journal is null");
    this.cleanup = requireNonNull(cleanup, "cleanup is null");
    this.sourceIdentity = requireNonNull(sourceIdentity, "sourceIdentity is null");
    this.pipeline = new DiskPipeline(services, target, report, cancel);
  }

  /**
   * Exports {@code disks} of {@code source} into the target's files.
   *
   * @return the converted file of each disk, by disk name
   */
  Map<String, Path> run(SourceSession session, SourceVm source, List<TargetDisk> disks) {
    ImportRef ref = report.ref();
    ExportSession export =
        services
            .retrier()
            .call(
                "starting export of " + source.name(),
                () -> session.exporter().begin(source, ArtifactOwner.of(ref)));
    journal.recordArtifacts(export.artifacts());
    long totalBytes = disks.stream().mapToLong(d -> d.source().capacityBytes()).sum();
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
      for (TargetDisk disk : disks) {
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
      for (int i = 0; i < disks.size(); i++) {
        files.put(disks.get(i).name(), await(futures.get(i)));
      }
    } catch (RuntimeException e) {
      stopTransfers(futures, active);
      cleanup.abort(export, e, report);
      throw e;
    } finally {
      keepAlive.cancel(false);
    }
    try {
      cleanup.complete(export, source.name());
    } catch (RuntimeException e) {
      cleanup.abort(export, e, report);
      throw e;
    }
    return files;
  }

  private Path transferDisk(
      ExportSession export, SourceVm source, TargetDisk disk, AtomicLong transferred) {
    MDC.put("vmimport.import", report.ref().toString());
    MDC.put("vmimport.disk", disk.name());
    try {
      prepare(export, disk);
      Path file = target.diskPath(report.ref(), disk);
      long size =
          services
              .retrier()
              .call(
                  "transfer of " + disk.name(),
                  () -> pipeline.transfer(export, disk, file, transferred));
      journal.diskFinished(sourceIdentity, source, disk, file, size);
      report
          .listener()
          .diskProgress(
              report.ref(), new DiskProgress(disk.name(), DiskProgress.Stage.DONE, size, size, 0));
      return file;
    } finally {
      MDC.remove("vmimport.disk");
      MDC.remove("vmimport.import");
    }
  }

  /** Calls the source's preparation steps until the disk is ready, waiting what each asks. */
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
        journal.recordArtifacts(export.artifacts());
      }
      if (preparation.isReady()) {
        return;
      }
      report
          .listener()
          .diskProgress(
              report.ref(), new DiskProgress(disk.name(), DiskProgress.Stage.PREPARING, 0, -1, 0));
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

  private void keepAlive(ExportSession export, long transferred, long total) {
    int percent = total <= 0 ? 0 : (int) Math.min(99, transferred * 100 / total);
    try {
      export.keepAlive(percent);
    } catch (VmImportException e) {
      // the transfer itself will fail if the source really dropped the export
      log.warn("{}: keep-alive of the export failed: {}", report.ref(), e.toString());
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
        report.warn(
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

  private void checkCancelled() {
    if (cancel.isCancelled() || Thread.currentThread().isInterrupted()) {
      throw new VmImportException(ErrorCode.CANCELLED, "import cancelled");
    }
  }
}
