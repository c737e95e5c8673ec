package io.vmimport.core.internal;

import io.vmimport.api.model.DiskFormat;
import io.vmimport.core.internal.disk.StreamOptimizedVmdk;

/**
 * How the bytes of one disk get from the source's format into the target's: the one decision of the
 * disk data path, taken from the two formats and the stream's first sector.
 */
enum FormatRoute {
  /** Raw bytes written into a raw or qcow2 file as they arrive, zero blocks skipped. */
  SPARSE_COPY,

  /** The source already sends the target's format: copied as it is, zero blocks skipped. */
  COPY,

  /** A streamOptimized VMDK decoded as it arrives into a raw or qcow2 file: no staged copy. */
  STREAM_DECODE,

  /**
   * Everything else (qcow2, sparse VMDK, VHD into another format) needs random access: downloaded
   * into scratch, then converted by the disk converter.
   */
  STAGE_AND_CONVERT;

  /**
   * @param from the format the source sends
   * @param to the format the target wants
   * @param firstSector the stream's first bytes (up to 512), to tell a streamOptimized VMDK
   */
  static FormatRoute choose(DiskFormat from, DiskFormat to, byte[] firstSector) {
    boolean sinkable = to == DiskFormat.QCOW2 || to == DiskFormat.RAW;
    if (from == DiskFormat.RAW && sinkable) {
      return SPARSE_COPY;
    }
    if (from == to) {
      return COPY;
    }
    if (from == DiskFormat.VMDK && sinkable && StreamOptimizedVmdk.matches(firstSector)) {
      return STREAM_DECODE;
    }
    return STAGE_AND_CONVERT;
  }
}
