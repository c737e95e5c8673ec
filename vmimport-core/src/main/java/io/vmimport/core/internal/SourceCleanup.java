package io.vmimport.core.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.ImportListener;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.UnownedArtifact;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Removes what exports made on the source: ends an export that failed, and releases what the export
 * of a dead process left, as its checkpoint lists it.
 */
public final class SourceCleanup {
  private static final Logger log = LoggerFactory.getLogger(SourceCleanup.class);

  private final Retrier retrier;
  private final ImportRef ref;
  private final CheckpointJournal journal;

  public SourceCleanup(Retrier retrier, ImportRef ref, CheckpointJournal journal) {
    this.retrier = requireNonNull(retrier, "retrier is null");
    this.ref = requireNonNull(ref, "ref is null");
    this.journal = requireNonNull(journal, "journal is null");
  }

  /**
   * Removes what the export of an earlier run left on the source: that process died before it could
   * complete or abort its export (a run that ends, however it ends, removes its own). Hands the
   * journal's leftovers to the source to delete, then forgets them. The checkpoint is not proof of
   * ownership (a user can write one): the source deletes only what carries this import's uid, and
   * what it leaves in place because it does not is reported to {@code listener} as a warning naming
   * it, then forgotten, as it is not this import's to remove.
   *
   * @throws VmImportException the source could not delete them; they stay recorded
   */
  public void releaseLeftovers(SourceSession session, ImportListener listener) {
    List<SourceArtifact> leftovers = journal.leftovers();
    if (leftovers.isEmpty()) {
      return;
    }
    log.info("{}: removing what an earlier run left on the source: {}", ref, leftovers);
    List<UnownedArtifact> unowned =
        retrier.call(
            "removing what an earlier run of " + ref + " left on the source (" + leftovers + ")",
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
    journal.leftoversReleased();
  }

  /**
   * Ends an export that failed (or was cancelled) and removes what it made; a cleanup error is
   * added to {@code failure} and told to {@code report}. What could not be removed stays recorded:
   * the next run (or a discard) tries again.
   */
  void abort(ExportSession export, RuntimeException failure, ImportReporter report) {
    try {
      // the source must be cleaned even when the run was cancelled
      uninterruptibly("abort", export::abort);
    } catch (RuntimeException cleanup) {
      report.warn("cleaning up the export on the source failed: " + cleanup.getMessage());
      failure.addSuppressed(cleanup);
    } finally {
      try {
        journal.recordArtifacts(export.artifacts());
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
  void uninterruptibly(String what, Runnable cleanup) {
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
}
