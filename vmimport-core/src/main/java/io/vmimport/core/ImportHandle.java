package io.vmimport.core;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.HumanDuration;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import io.vmimport.core.internal.CancelSignal;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** An import started with {@link ImportEngine#start}: await its result, or cancel it. */
public final class ImportHandle {
  private final ImportRef ref;
  private final CompletableFuture<ImportResult> result;
  private final CancelSignal cancel;

  ImportHandle(ImportRef ref, CompletableFuture<ImportResult> result, CancelSignal cancel) {
    this.ref = ref;
    this.result = result;
    this.cancel = cancel;
  }

  public ImportRef ref() {
    return ref;
  }

  /**
   * Cancels the import: transfers stop, and everything it created on the source, in scratch and in
   * the target is removed. Returns at once; {@link #await()} then fails with {@code CANCELLED} once
   * the cleanup is done.
   */
  public void cancel() {
    // the signal interrupts the import's thread, unless it is removing what it made
    cancel.cancel();
  }

  /**
   * Stops the import without undoing it: transfers stop and what it holds on the source is
   * released, but finished disks, the checkpoint and the target's objects stay, so that running the
   * same import again (in this process or the next) continues. {@link #await()} then fails with a
   * retryable {@code CANCELLED}. For a process that shuts down.
   */
  public void suspend() {
    cancel.suspend();
  }

  /**
   * Completes when the import ends, with its result or its {@code VmImportException}; for callers
   * that react to the end instead of waiting for it.
   */
  public CompletionStage<ImportResult> completion() {
    return result.minimalCompletionStage();
  }

  public boolean isDone() {
    return result.isDone();
  }

  /**
   * Waits for the import to end.
   *
   * @throws VmImportException the import's failure
   */
  public ImportResult await() throws InterruptedException {
    try {
      return result.get();
    } catch (ExecutionException e) {
      throw rethrow(e);
    }
  }

  /**
   * Waits at most {@code timeout}.
   *
   * @throws VmImportException {@code TIMEOUT} if the import is still running
   */
  public ImportResult await(Duration timeout) throws InterruptedException {
    try {
      return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw rethrow(e);
    } catch (TimeoutException e) {
      throw new VmImportException(
          ErrorCode.TIMEOUT,
          "import " + ref + " still running after " + HumanDuration.format(timeout),
          e);
    }
  }

  private static VmImportException rethrow(ExecutionException e) {
    if (e.getCause() instanceof VmImportException v) {
      return v;
    }
    return new VmImportException(
        ErrorCode.INTERNAL, "import failed: " + e.getCause(), e.getCause());
  }
}
