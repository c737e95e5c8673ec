package io.vmimport.api.source;

import io.vmimport.api.model.SourceDisk;

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

  /** Ends a successful export and removes every artifact it created on the source. */
  void complete();

  /**
   * Ends a failed or cancelled export and removes every artifact it created on the source.
   *
   * @throws io.vmimport.api.VmImportException {@code CLEANUP_FAILED} listing what remains
   */
  void abort();
}
