package io.vmimport.bootcheck;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/** A disk file the VM boots from, with the format QEMU must open it as. */
public record DiskImage(Path file, String format) {
  public DiskImage {
    requireNonNull(file, "file is null");
    requireNonNull(format, "format is null");
  }

  /** The format from the file's extension, as vmimport names its output files. */
  public static DiskImage of(Path file) {
    String name = file.getFileName().toString();
    String extension = name.substring(name.lastIndexOf('.') + 1);
    return switch (extension) {
      case "qcow2", "raw", "vmdk" -> new DiskImage(file, extension);
      case "img" -> new DiskImage(file, "raw");
      default ->
          throw new IllegalArgumentException(
              "cannot tell the format of " + file + " from its name (qcow2, raw, img or vmdk)");
    };
  }
}
