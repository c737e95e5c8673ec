package io.vmimport.core.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Scratch space shared by all imports of an engine. A disk that must be staged reserves what it
 * needs before it starts; when the space is held by other disks it waits for them, and when it can
 * never fit it fails at once with the numbers, instead of filling the disk and looping as upstream
 * did.
 */
public final class ScratchBudget {
  /** What waiting disks are told. */
  public interface Waiting {
    void waiting(long needed, long free);
  }

  private final long capacity;
  private final LongSupplier usableSpace;
  private long reserved;

  /**
   * @param capacity bytes the engine may use; 0 for whatever the file system has free
   * @param usableSpace free bytes of the scratch file system now
   */
  public ScratchBudget(long capacity, LongSupplier usableSpace) {
    this.capacity = capacity;
    this.usableSpace = usableSpace;
  }

  public static ScratchBudget forDirectory(Path directory, long capacity) {
    return new ScratchBudget(capacity, () -> usableSpace(directory));
  }

  /**
   * Reserves {@code needed} bytes, waiting while other disks hold the space.
   *
   * @throws VmImportException {@code SCRATCH_EXHAUSTED} when the space could never suffice, or
   *     {@code CANCELLED} when interrupted while waiting
   */
  public synchronized Reservation reserve(String what, long needed, Waiting waiting) {
    boolean told = false;
    while (true) {
      long free = free();
      if (needed <= free) {
        reserved += needed;
        return new Reservation(needed);
      }
      if (reserved == 0 || needed > limit()) {
        throw new VmImportException(
            ErrorCode.SCRATCH_EXHAUSTED,
            what
                + " needs "
                + needed
                + " bytes of scratch space but only "
                + free
                + " are free"
                + (capacity > 0 ? " (scratch capacity " + capacity + " bytes)" : "")
                + "; free space or give the importer more scratch");
      }
      if (!told) {
        waiting.waiting(needed, free);
        told = true;
      }
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new VmImportException(ErrorCode.CANCELLED, "import cancelled", e);
      }
    }
  }

  /**
   * Bytes that could be reserved now. Held reservations count in full: what their disks have not
   * written yet will still take file system space, and a configured capacity bounds the total.
   */
  public synchronized long free() {
    long byFileSystem = usableSpace.getAsLong() - reserved;
    return capacity > 0 ? Math.min(capacity - reserved, byFileSystem) : byFileSystem;
  }

  /** The most that could ever be free, once every held reservation is released. */
  private long limit() {
    long byFileSystem = usableSpace.getAsLong() + reserved;
    return capacity > 0 ? Math.min(capacity, byFileSystem) : byFileSystem;
  }

  private synchronized void release(long bytes) {
    reserved -= bytes;
    notifyAll();
  }

  private static long usableSpace(Path directory) {
    try {
      Path existing = directory;
      while (!Files.exists(existing) && existing.getParent() != null) {
        existing = existing.getParent();
      }
      return Files.getFileStore(existing).getUsableSpace();
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.SCRATCH_EXHAUSTED, "cannot read the free space of " + directory + ": " + e, e);
    }
  }

  /** Held scratch space; closing it gives the space back. */
  public final class Reservation implements AutoCloseable {
    private final long bytes;
    private boolean released;

    private Reservation(long bytes) {
      this.bytes = bytes;
    }

    @Override
    public void close() {
      synchronized (ScratchBudget.this) {
        if (!released) {
          released = true;
          release(bytes);
        }
      }
    }
  }
}
