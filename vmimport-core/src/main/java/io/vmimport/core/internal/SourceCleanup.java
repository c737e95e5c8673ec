package io.vmimport.core.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.HumanDuration;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.ImportListener;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.CleanupStep;
import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.ReleaseStep;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.UnownedArtifact;
import io.vmimport.core.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what exports made on the source, driving the provider's cleanup one step at a time (see
 * {@link ExportSession} and {@link DiskExporter#releaseStep}): ends an export that succeeded or
 * failed, and releases what the export of a dead process left, as its checkpoint lists it.
 *
 * <p>Everything runs in the calling thread, shielded from the import's cancel ({@link
 * CancelSignal#shielded}), and waits between steps on the engine's clock, for at most the engine's
 * cleanup timeout. An interrupt from elsewhere that cuts a step short makes core take the step
 * again (steps are idempotent). What remains after each step is journaled at once, so a process
 * that dies mid-cleanup leaves the next run only the rest.
 */
public final class SourceCleanup {
  private static final Logger log = LoggerFactory.getLogger(SourceCleanup.class);

  /** The longest core waits between two steps, whatever a provider asks. */
  private static final Duration MAX_STEP_WAIT = Duration.ofSeconds(30);

  private final Retrier retrier;
  private final TimeSource time;
  private final Duration timeout;
  private final ImportRef ref;
  private final CheckpointJournal journal;
  private final CancelSignal cancel;

  /**
   * @param timeout how long one cleanup may take before it fails with {@code CLEANUP_FAILED}
   * @param cancel the import's signal, whose cancels must not cut a cleanup short
   */
  public SourceCleanup(
      Retrier retrier,
      TimeSource time,
      Duration timeout,
      ImportRef ref,
      CheckpointJournal journal,
      CancelSignal cancel) {
    this.retrier = requireNonNull(retrier, "retrier is null");
    this.time = requireNonNull(time, "time is null");
    this.timeout = requireNonNull(timeout, "timeout is null");
    this.ref = requireNonNull(ref, "ref is null");
    this.journal = requireNonNull(journal, "journal is null");
    this.cancel = requireNonNull(cancel, "cancel is null");
  }

  /**
   * Removes what the export of an earlier run left on the source: that process died before its
   * export ended (a run that ends, however it ends, removes its own). Hands the journal's leftovers
   * to the source step by step, journaling what remains after each. The checkpoint is not proof of
   * ownership (a user can write one): the source deletes only what carries this import's uid, and
   * what it leaves in place because it does not is reported to {@code listener} as a warning naming
   * it, then forgotten, as it is not this import's to remove.
   *
   * @throws VmImportException the source could not delete them; what remains stays recorded
   */
  public void releaseLeftovers(DiskExporter exporter, ImportListener listener) {
    List<SourceArtifact> leftovers = journal.leftovers();
    if (leftovers.isEmpty()) {
      return;
    }
    log.info("{}: removing what an earlier run left on the source: {}", ref, leftovers);
    ArtifactOwner owner = ArtifactOwner.of(ref);
    AtomicReference<List<SourceArtifact>> remaining = new AtomicReference<>(leftovers);
    drive(
        "removing what an earlier run of " + ref + " left on the source (" + leftovers + ")",
        () -> {
          ReleaseStep step =
              retrier.call(
                  "removing " + remaining.get() + " of an earlier run of " + ref,
                  () -> exporter.releaseStep(remaining.get(), owner));
          warnUnowned(step.unowned(), listener);
          remaining.set(step.remaining());
          journal.keepLeftovers(step.remaining());
          return step.isDone()
              ? CleanupStep.done()
              : CleanupStep.pending(step.retryAfter(), step.detail());
        });
  }

  /**
   * Ends an export whose disks all arrived, step by step.
   *
   * @throws VmImportException the source could not end it or remove what it made; the caller aborts
   */
  void complete(ExportSession export, String vmName) {
    drive("completing export of " + vmName, () -> step(export, export::completeStep, "complete"));
  }

  /**
   * Ends an export that failed (or was cancelled) step by step, and removes what it made; a cleanup
   * error is added to {@code failure} and told to {@code report}. What could not be removed stays
   * journaled: the next run (or a discard) tries again.
   */
  void abort(ExportSession export, RuntimeException failure, ImportReporter report) {
    try {
      drive("aborting the export", () -> step(export, export::abortStep, "abort"));
    } catch (RuntimeException cleanup) {
      report.warn("cleaning up the export on the source failed: " + cleanup.getMessage());
      failure.addSuppressed(cleanup);
    }
  }

  /** One step of ending {@code export}; what it holds afterwards is journaled, even on failure. */
  private CleanupStep step(ExportSession export, Supplier<CleanupStep> step, String what) {
    try {
      return retrier.call(what + " step of the export", step);
    } finally {
      journal.recordArtifacts(export.artifacts());
    }
  }

  /**
   * Takes {@code step} until it is done, waiting what each asks (at most {@link #MAX_STEP_WAIT}),
   * shielded from the import's cancel.
   *
   * @throws VmImportException a step failed, or {@code CLEANUP_FAILED} (retryable: a later run or
   *     discard may finish it) when the steps took longer than the timeout
   */
  private void drive(String what, Supplier<CleanupStep> step) {
    cancel.shielded(
        () -> {
          boolean interrupted = false;
          try {
            Instant deadline = time.now().plus(timeout);
            while (true) {
              CleanupStep result;
              try {
                result = step.get();
              } catch (VmImportException e) {
                if (Thread.interrupted()) {
                  interrupted = true;
                  if (time.now().isBefore(deadline)) {
                    // an interrupt from outside the import cut the step short: take it again
                    continue;
                  }
                }
                throw e;
              }
              if (result.isDone()) {
                return;
              }
              if (!time.now().isBefore(deadline)) {
                throw new VmImportException(
                    ErrorCode.CLEANUP_FAILED,
                    what
                        + " did not finish within "
                        + HumanDuration.format(timeout)
                        + " (last: "
                        + result.detail()
                        + "); what remains is kept for the next run or a discard",
                    null,
                    true);
              }
              Duration wait = result.retryAfter();
              interrupted |= sleep(wait.compareTo(MAX_STEP_WAIT) > 0 ? MAX_STEP_WAIT : wait);
            }
          } finally {
            if (interrupted) {
              Thread.currentThread().interrupt();
            }
          }
        });
  }

  /**
   * Waits {@code duration} on the engine's clock, through interrupts.
   *
   * @return whether it was interrupted meanwhile
   */
  private boolean sleep(Duration duration) {
    if (duration.isZero()) {
      return false;
    }
    boolean interrupted = false;
    Instant end = time.now().plus(duration);
    for (Instant now = time.now(); now.isBefore(end); now = time.now()) {
      try {
        time.sleep(Duration.between(now, end));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    return interrupted;
  }

  private void warnUnowned(List<UnownedArtifact> unowned, ImportListener listener) {
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
  }
}
