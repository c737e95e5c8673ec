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
 * @param bytesPerSecond average transfer rate so far; 0 while converting
 */
public record DiskProgress(
    String diskName, Stage stage, long done, long total, double bytesPerSecond) {
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
}
