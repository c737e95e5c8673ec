package io.vmimport.core.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How many imports of an engine export from one source host at once. A vSphere host serves a
 * bounded number of NFC connections and a cloud endpoint or web server slows down for everyone when
 * too many imports read from it, so an import takes a slot on its host before it powers the VM off
 * and gives it back when its disks are exported. Imports wait in the order they asked, and are told
 * their place in line whenever it changes.
 */
public final class SourceHostSlots {
  /**
   * What a waiting import is told: the host, the limit, and how many imports wait ahead of it (0:
   * it is next).
   */
  public interface Waiting {
    void waiting(String host, int limit, int ahead);
  }

  private final int perHost;
  // guarded by this: per host, the imports holding a slot first, then those waiting, in order
  private final Map<String, List<Slot>> lines = new HashMap<>();

  /**
   * @param perHost imports exporting from one host at once; 0 for no limit
   */
  public SourceHostSlots(int perHost) {
    if (perHost < 0) {
      throw new IllegalArgumentException("perHost is negative: " + perHost);
    }
    this.perHost = perHost;
  }

  /**
   * Takes a slot on {@code host}, waiting while {@code perHost} imports hold one.
   *
   * @throws VmImportException {@code CANCELLED} when interrupted while waiting (a cancel)
   */
  public synchronized Slot acquire(String host, ImportRef ref, Waiting waiting) {
    Slot slot = new Slot(host, ref);
    List<Slot> line = lines.computeIfAbsent(host, h -> new ArrayList<>());
    line.add(slot);
    int told = -1;
    try {
      while (perHost > 0 && line.indexOf(slot) >= perHost) {
        int ahead = line.indexOf(slot) - perHost;
        if (ahead != told) {
          waiting.waiting(host, perHost, ahead);
          told = ahead;
        }
        wait();
      }
      return slot;
    } catch (InterruptedException e) {
      leave(slot);
      Thread.currentThread().interrupt();
      throw new VmImportException(ErrorCode.CANCELLED, "import cancelled", e);
    } catch (RuntimeException | Error e) {
      leave(slot);
      throw e;
    }
  }

  /** Imports holding a slot on {@code host} now. */
  public synchronized int holding(String host) {
    List<Slot> line = lines.get(host);
    return line == null ? 0 : perHost == 0 ? line.size() : Math.min(perHost, line.size());
  }

  private synchronized void leave(Slot slot) {
    List<Slot> line = lines.get(slot.host);
    if (line != null && line.remove(slot)) {
      if (line.isEmpty()) {
        lines.remove(slot.host);
      }
      notifyAll();
    }
  }

  /** A held slot, or a place in line; closing it lets the next import go. */
  public final class Slot implements AutoCloseable {
    private final String host;
    private final ImportRef ref;

    private Slot(String host, ImportRef ref) {
      this.host = host;
      this.ref = ref;
    }

    public String host() {
      return host;
    }

    @Override
    public void close() {
      leave(this);
    }

    @Override
    public String toString() {
      return ref + " on " + host;
    }
  }
}
