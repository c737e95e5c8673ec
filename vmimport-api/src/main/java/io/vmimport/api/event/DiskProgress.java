package io.vmimport.api.event;

import static java.util.Objects.requireNonNull;

/**
 * Progress of one disk.
 *
 * @param diskName the target disk name, {@code disk-<i>}
 * @param done bytes (export) or percent (conversion) done. For a compressed export whose length is
 *     unknown (vSphere's streamOptimized VMDK), how far into the disk its content has come
 * @param total bytes (the stream's length, or for such an export the disk's capacity) or 100;
 *     {@code -1} when unknown
 * @param bytesPerSecond average rate of {@code done} so far; 0 while converting
 * @param sourceBytes bytes read from the source so far while exporting (what a transfer counter
 *     adds up); equal to {@code done} unless {@code done} measures the disk rather than the stream
 */
public record DiskProgress(
    String diskName, Stage stage, long done, long total, double bytesPerSecond, long sourceBytes) {
  public enum Stage {
    PREPARING,
    EXPORTING,
    CONVERTING,
    PUBLISHING,
    DONE
  }

  public DiskProgress {
    requireNonNull(diskName, "diskName is null");
    requireNonNull(stage, "stage is null");
  }

  /** Progress whose {@code done} is also the bytes read from the source. */
  public DiskProgress(String diskName, Stage stage, long done, long total, double bytesPerSecond) {
    this(diskName, stage, done, total, bytesPerSecond, done);
  }
}
