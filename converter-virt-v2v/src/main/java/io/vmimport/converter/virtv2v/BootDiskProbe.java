package io.vmimport.converter.virtv2v;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A look at the first 128 KiB of the boot disk, before libguestfs' appliance is started (a minute
 * under TCG): a disk without a partition table and without a file system or LVM label where a
 * whole-disk one would be holds no guest to convert.
 */
final class BootDiskProbe {
  static final int PROBE_BYTES = 128 << 10;

  private BootDiskProbe() {}

  /** What is there: "MBR", "GPT", a file system's name; empty when none of them. */
  static Optional<String> layout(byte[] head) {
    if (head.length >= 520 && ascii(head, 512, 8).equals("EFI PART")) {
      return Optional.of("GPT");
    }
    if (head.length >= 512 && (head[510] & 0xff) == 0x55 && (head[511] & 0xff) == 0xaa) {
      return Optional.of("MBR");
    }
    if (head.length >= 1082 && (head[1080] & 0xff) == 0x53 && (head[1081] & 0xff) == 0xef) {
      return Optional.of("ext2/3/4");
    }
    if (head.length >= 4 && ascii(head, 0, 4).equals("XFSB")) {
      return Optional.of("XFS");
    }
    if (head.length >= 520 && ascii(head, 512, 8).equals("LABELONE")) {
      return Optional.of("LVM");
    }
    if (head.length >= 0x10048 && ascii(head, 0x10040, 8).equals("_BHRfS_M")) {
      return Optional.of("btrfs");
    }
    return Optional.empty();
  }

  static Optional<String> layout(Path rawHead) throws IOException {
    return layout(Files.readAllBytes(rawHead));
  }

  private static String ascii(byte[] bytes, int offset, int length) {
    return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
  }
}
