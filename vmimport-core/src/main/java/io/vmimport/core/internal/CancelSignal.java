package io.vmimport.core.internal;

import java.io.Closeable;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The cancellation state of one import. Cancelling interrupts the thread that runs the import and,
 * as blocking socket reads do not react to interrupts, closes every stream registered here.
 *
 * <p>Cleanup is {@linkplain #shielded shielded}: while the run removes what it made on the source
 * or in the target, a cancel (an operator cancels on every look at a deleted import) does not
 * interrupt it; the run learns of it when the cleanup is over.
 */
public final class CancelSignal {
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private volatile boolean suspended;
  private final Set<Closeable> open = ConcurrentHashMap.newKeySet();
  // guarded by this
  private Thread runner;
  private int shields;
  private boolean interruptHeldBack;

  /** The thread that runs the import: a cancel interrupts it, unless it is cleaning up. */
  public synchronized void bind(Thread runner) {
    this.runner = runner;
  }

  public void cancel() {
    if (cancelled.compareAndSet(false, true)) {
      for (Closeable closeable : open) {
        closeQuietlyOnCancel(closeable);
      }
    }
    interruptRunner();
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

  /**
   * Runs a cleanup in the calling thread that a cancel must not cut short. Cancels meanwhile do not
   * interrupt it, and an interrupt already pending is held back; both are restored (the thread
   * interrupted again) when it returns, so the run still ends as cancelled.
   */
  public <T> T shielded(Supplier<T> cleanup) {
    synchronized (this) {
      shields++;
    }
    // after raising the shield: a cancel that came before has interrupted already, none comes now
    boolean interrupted = Thread.interrupted();
    try {
      return cleanup.get();
    } finally {
      synchronized (this) {
        shields--;
        interrupted |= interruptHeldBack && shields == 0;
        if (shields == 0) {
          interruptHeldBack = false;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** {@link #shielded(Supplier)} for a cleanup without a result. */
  public void shielded(Runnable cleanup) {
    shielded(
        () -> {
          cleanup.run();
          return null;
        });
  }

  private synchronized void interruptRunner() {
    if (runner == null) {
      return;
    }
    if (shields > 0) {
      interruptHeldBack = true;
    } else {
      runner.interrupt();
    }
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
