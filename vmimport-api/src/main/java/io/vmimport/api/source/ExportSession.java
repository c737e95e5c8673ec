package io.vmimport.api.source;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.SourceDisk;
import java.util.List;

/**
 * One export of one VM's disks. Core drives it: for each disk it calls {@link #prepare} until ready
 * (one remote step per call, no sleeping in the provider), then {@link #open}; it calls {@link
 * #keepAlive} periodically during transfers and ends the export the same way it prepared it, one
 * step per call: {@link #completeStep()} after every disk arrived, {@link #abortStep()} after a
 * failure or a cancel (also after a {@code completeStep} that failed), each called again after the
 * {@link CleanupStep#retryAfter()} it asks for until it reports {@link CleanupStep#isDone() done}.
 * Disks may be prepared and opened from several threads at once.
 *
 * <h2>Ending an export in steps</h2>
 *
 * A step never waits on the source: where the source must first finish something (Cinder refuses to
 * delete a volume that is still uploading), the step returns pending and core calls it again. Core
 * waits between steps on its own clock and does not let a cancel of the import interrupt the steps
 * or the waits, so what the export made is removed even when the user cancels again while it is.
 * Steps are idempotent: a step that failed (and was retried by core) or that found its work already
 * done by an earlier one succeeds. {@link #artifacts()} lists what remains after each.
 *
 * <p>An export whose end is a single remote call (vSphere's lease, a file) may implement the
 * one-call {@link #complete()} and {@link #abort()} instead: the step methods call them by default
 * and report done. Implementations written before the step protocol keep working unchanged.
 */
public interface ExportSession {
  /**
   * Advances the preparation of {@code disk} (snapshot, temporary volume, image upload) by a step.
   */
  Preparation prepare(SourceDisk disk);

  /** Opens the bytes of a prepared disk. The caller closes the stream. */
  DiskStream open(SourceDisk disk);

  /**
   * Tells the source the export is alive, with the overall percentage done. Core calls this at
   * least every 30 s while transfers run (vSphere leases expire after minutes of silence).
   */
  default void keepAlive(int percentDone) {}

  /**
   * What this export has created on the source and not removed yet, oldest first. Core asks after
   * {@link DiskExporter#begin}, after every {@link #prepare} step and after every step that ends
   * the export, and keeps the answer in the import's checkpoint: if the process dies before the
   * export has ended, the next run removes them with {@link DiskExporter#releaseStep}. A provider
   * whose exports create nothing lasting keeps the default.
   */
  default List<SourceArtifact> artifacts() {
    return List.of();
  }

  /**
   * Advances the end of a successful export by one step: ends it on the source and removes, one
   * remote step at a time, every artifact it created there. Core calls it until it reports done. By
   * default calls {@link #complete()} and reports done.
   *
   * @throws io.vmimport.api.VmImportException {@code CLEANUP_FAILED} listing what remains, when the
   *     source refuses to remove it; core then aborts the export
   */
  default CleanupStep completeStep() {
    complete();
    return CleanupStep.done();
  }

  /**
   * Advances the end of a failed or cancelled export by one step: stops it on the source and
   * removes, one remote step at a time, every artifact it created there. Core calls it until it
   * reports done, and also after a failed {@link #completeStep()}. By default calls {@link
   * #abort()} and reports done.
   *
   * @throws io.vmimport.api.VmImportException {@code CLEANUP_FAILED} listing what remains
   */
  default CleanupStep abortStep() {
    abort();
    return CleanupStep.done();
  }

  /**
   * Ends a successful export and removes every artifact it created on the source, in one call: for
   * an export whose end is one remote call. Core calls {@link #completeStep()}, which calls this
   * unless overridden. An implementation that ends in steps need not implement it.
   *
   * @throws io.vmimport.api.VmImportException {@code NOT_SUPPORTED} by default: an export must
   *     implement this or {@link #completeStep()}
   */
  default void complete() {
    throw new VmImportException(
        ErrorCode.NOT_SUPPORTED,
        getClass().getName() + " implements neither completeStep() nor complete()");
  }

  /**
   * Ends a failed or cancelled export and removes every artifact it created on the source, in one
   * call: for an export whose end is one remote call. Core calls {@link #abortStep()}, which calls
   * this unless overridden. An implementation that ends in steps need not implement it.
   *
   * @throws io.vmimport.api.VmImportException {@code CLEANUP_FAILED} listing what remains; {@code
   *     NOT_SUPPORTED} by default: an export must implement this or {@link #abortStep()}
   */
  default void abort() {
    throw new VmImportException(
        ErrorCode.NOT_SUPPORTED,
        getClass().getName() + " implements neither abortStep() nor abort()");
  }
}
