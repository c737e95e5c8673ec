package io.vmimport.api.source;

import io.vmimport.api.model.SourceDisk;
import java.util.List;

/**
 * One export of one VM's disks. Core drives it: for each disk it calls {@link #prepare} until ready
 * (one remote step per call, no sleeping in the provider), then {@link #open}; it calls {@link
 * #keepAlive} periodically during transfers and ends with exactly one of {@link #complete} or
 * {@link #abort}. Disks may be prepared and opened from several threads at once.
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
   * {@link DiskExporter#begin} and after every {@link #prepare} step and keeps the answer in the
   * import's checkpoint: if the process dies before {@link #complete} or {@link #abort}, the next
   * run removes them with {@link DiskExporter#release}. A provider whose exports create nothing
   * lasting keeps the default.
   */
  default List<SourceArtifact> artifacts() {
    return List.of();
  }

  /** Ends a successful export and removes every artifact it created on the source. */
  void complete();

  /**
   * Ends a failed or cancelled export and removes every artifact it created on the source.
   *
   * @throws io.vmimport.api.VmImportException {@code CLEANUP_FAILED} listing what remains
   */
  void abort();
}
