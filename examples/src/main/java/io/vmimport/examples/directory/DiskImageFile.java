package io.vmimport.examples.directory;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * A disk file of a VM folder: its format, taken from the extension ({@code .qcow2}, {@code .vmdk};
 * anything else is raw), and its virtual size, read from the image header of qcow2 and VMDK.
 *
 * @param capacityBytes the size the guest sees
 * @param fileBytes the size of the file
 */
record DiskImageFile(DiskFormat format, long capacityBytes, long fileBytes) {
  private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};
  private static final int QCOW2_SIZE_OFFSET = 24;
  private static final byte[] VMDK_SPARSE_MAGIC = {'K', 'D', 'M', 'V'};
  private static final int VMDK_CAPACITY_OFFSET = 12;
  private static final int SECTOR_BYTES = 512;
  private static final int HEADER_BYTES = 32;

  DiskImageFile {
    requireNonNull(format, "format is null");
  }

  /** The format named by the extension; a file without a known image extension holds raw bytes. */
  static DiskFormat formatOf(String fileName) {
    String lower = fileName.toLowerCase(Locale.ROOT);
    int dot = lower.lastIndexOf('.');
    String extension = dot < 0 ? "" : lower.substring(dot + 1);
    return switch (extension) {
      case "qcow2" -> DiskFormat.QCOW2;
      case "vmdk" -> DiskFormat.VMDK;
      default -> DiskFormat.RAW;
    };
  }

  /**
   * @throws IOException when the file cannot be read
   * @throws VmImportException {@code INVALID_SPEC} when a qcow2 file has no qcow2 header
   */
  static DiskImageFile inspect(Path file) throws IOException {
    DiskFormat format = formatOf(file.getFileName().toString());
    long fileBytes = Files.size(file);
    byte[] header;
    try (InputStream input = Files.newInputStream(file)) {
      header = input.readNBytes(HEADER_BYTES);
    }
    long capacity =
        switch (format) {
          case QCOW2 -> qcow2VirtualSize(file, header);
          case VMDK -> sparseVmdkCapacity(file, header);
          default -> fileBytes;
        };
    return new DiskImageFile(format, capacity, fileBytes);
  }

  private static long qcow2VirtualSize(Path file, byte[] header) {
    if (!hasMagic(header, QCOW2_MAGIC) || header.length < QCOW2_SIZE_OFFSET + Long.BYTES) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC, file + " is named .qcow2 but has no qcow2 header");
    }
    return ByteBuffer.wrap(header, QCOW2_SIZE_OFFSET, Long.BYTES)
        .order(ByteOrder.BIG_ENDIAN)
        .getLong();
  }

  /**
   * Monolithic sparse and streamOptimized VMDKs start with a binary header. A descriptor file keeps
   * its data in other files, which a VM folder's single disk file cannot name.
   */
  private static long sparseVmdkCapacity(Path file, byte[] header) {
    if (!hasMagic(header, VMDK_SPARSE_MAGIC) || header.length < VMDK_CAPACITY_OFFSET + Long.BYTES) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          file
              + " is not a sparse or streamOptimized VMDK; list a flat extent as a .raw file"
              + " instead");
    }
    long sectors =
        ByteBuffer.wrap(header, VMDK_CAPACITY_OFFSET, Long.BYTES)
            .order(ByteOrder.LITTLE_ENDIAN)
            .getLong();
    return sectors * SECTOR_BYTES;
  }

  private static boolean hasMagic(byte[] header, byte[] magic) {
    return header.length >= magic.length
        && Arrays.equals(header, 0, magic.length, magic, 0, magic.length);
  }
}
