package io.vmimport.core;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.Map;

/**
 * What an import has finished so far, so that a re-run after a crash skips it.
 *
 * @param disks finished disks by the source disk's key
 */
public record Checkpoint(Map<String, FinishedDisk> disks) {
  public static final Checkpoint EMPTY = new Checkpoint(Map.of());

  /**
   * A disk converted and written to the target.
   *
   * @param path the converted file
   * @param sizeBytes its length, to recognise a file changed or truncated since
   */
  public record FinishedDisk(String diskKey, String path, long sizeBytes) {
    public FinishedDisk {
      requireNonNull(diskKey, "diskKey is null");
      requireNonNull(path, "path is null");
    }
  }

  public Checkpoint {
    disks = Map.copyOf(requireNonNull(disks, "disks is null"));
  }

  public Checkpoint withDisk(FinishedDisk disk) {
    Map<String, FinishedDisk> copy = new HashMap<>(disks);
    copy.put(disk.diskKey(), disk);
    return new Checkpoint(copy);
  }
}
