package io.vmimport.core.internal;

import java.io.Closeable;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The cancellation state of one import. Blocking socket reads do not react to interrupts, so
 * cancelling also closes every stream registered here.
 */
public final class CancelSignal {
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private volatile boolean suspended;
  private final Set<Closeable> open = ConcurrentHashMap.newKeySet();

  public void cancel() {
    if (cancelled.compareAndSet(false, true)) {
      for (Closeable closeable : open) {
        closeQuietlyOnCancel(closeable);
      }
    }
  }

  /**
   * Stops the import like {@link #cancel()} but keeps what it finished (converted disks, the
   * checkpoint, objects in the target), so that a later run continues: a process shutting down.
   */
  public void suspend() {
    suspended = true;
    cancel();
  }

  /** Whether the stop came from {@link #suspend()}. */
  public boolean isSuspended() {
    return suspended;
  }

  public boolean isCancelled() {
    return cancelled.get();
  }

  /** Registers a stream to close on cancel; closes it at once when already cancelled. */
  public void register(Closeable closeable) {
    open.add(closeable);
    if (cancelled.get()) {
      closeQuietlyOnCancel(closeable);
    }
  }

  public void unregister(Closeable closeable) {
    open.remove(closeable);
  }

  private static void closeQuietlyOnCancel(Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      // the transfer is being abandoned; its own thread reports the failure it sees
      org.slf4j.LoggerFactory.getLogger(CancelSignal.class)
          .debug("closing a stream on cancel failed: {}", e.toString());
    }
  }
}
