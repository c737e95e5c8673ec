package io.vmimport.api.convert;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.DiskFormat;
import java.util.OptionalLong;

/**
 * What a disk image file is.
 *
 * @param virtualSizeBytes the size the guest sees
 * @param fileSizeBytes bytes the image takes on disk (allocated), when known
 */
public record DiskInfo(DiskFormat format, long virtualSizeBytes, OptionalLong fileSizeBytes) {
  public DiskInfo {
    requireNonNull(format, "format is null");
    requireNonNull(fileSizeBytes, "fileSizeBytes is null");
  }
}
