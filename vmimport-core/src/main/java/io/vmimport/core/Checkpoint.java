package io.vmimport.core;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.source.SourceArtifact;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What an import has finished so far, so that a re-run after a crash skips it, and what its export
 * holds on the source, so that a re-run after a crash removes it.
 *
 * @param disks finished disks by the source disk's key
 * @param sourceArtifacts what the running export has created on the source and not removed yet,
 *     oldest first (empty when no export runs, or it ended cleanly)
 */
public record Checkpoint(Map<String, FinishedDisk> disks, List<SourceArtifact> sourceArtifacts) {
  public static final Checkpoint EMPTY = new Checkpoint(Map.of(), List.of());

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
    // checkpoints written before artifacts were recorded have none
    sourceArtifacts = sourceArtifacts == null ? List.of() : List.copyOf(sourceArtifacts);
  }

  public Checkpoint(Map<String, FinishedDisk> disks) {
    this(disks, List.of());
  }

  public Checkpoint withDisk(FinishedDisk disk) {
    Map<String, FinishedDisk> copy = new HashMap<>(disks);
    copy.put(disk.diskKey(), disk);
    return new Checkpoint(copy, sourceArtifacts);
  }

  public Checkpoint withSourceArtifacts(List<SourceArtifact> artifacts) {
    return new Checkpoint(disks, artifacts);
  }
}
