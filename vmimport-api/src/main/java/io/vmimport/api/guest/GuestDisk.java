package io.vmimport.api.guest;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.DiskFormat;
import java.nio.file.Path;

/** One exported disk of the guest, a local file. */
public record GuestDisk(Path path, DiskFormat format) {
  public GuestDisk {
    requireNonNull(path, "path is null");
    requireNonNull(format, "format is null");
  }
}
