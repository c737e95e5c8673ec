package io.vmimport.provider.ova.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The files of an OVA (a tar archive: ustar, with the PAX and GNU long-name extensions) and where
 * their bytes lie, read from the headers alone; plus the bodies of the descriptor and manifest,
 * which are small.
 *
 * <p>A seekable archive is indexed by reading each 512-byte header where the previous entry says
 * the next begins, so disks are never read for it. An archive without range support is read once
 * from its start to its end for the index.
 */
final class TarIndex {
  static final int BLOCK = 512;

  /** Descriptors of real appliances are kilobytes; anything this big is not one. */
  static final int MAX_DESCRIPTOR_BYTES = 8 << 20;

  static final int MAX_MANIFEST_BYTES = 1 << 20;
  private static final int MAX_ENTRIES = 10_000;
  private static final int MAX_LONG_NAME_BYTES = 64 * 1024;

  /** One regular file of the archive. */
  record Entry(String name, long headerOffset, long dataOffset, long size) {
    Entry {
      requireNonNull(name, "name is null");
    }
  }

  private final List<Entry> entries;
  private final Map<String, byte[]> captured;

  private TarIndex(List<Entry> entries, Map<String, byte[]> captured) {
    this.entries = List.copyOf(entries);
    this.captured = Map.copyOf(captured);
  }

  List<Entry> entries() {
    return entries;
  }

  Optional<Entry> entry(String name) {
    return entries.stream().filter(entry -> entry.name().equals(name)).findFirst();
  }

  /** The body of a descriptor or manifest read during the scan. */
  Optional<byte[]> body(String name) {
    return Optional.ofNullable(captured.get(name));
  }

  static boolean isDescriptor(String name) {
    return name.toLowerCase(Locale.ROOT).endsWith(".ovf");
  }

  static boolean isManifest(String name) {
    return name.toLowerCase(Locale.ROOT).endsWith(".mf");
  }

  /**
   * Reads the archive's headers.
   *
   * @throws VmImportException INVALID_SPEC when it is not a tar archive, EXPORT_FAILED (not
   *     retryable) when it is cut short
   */
  static TarIndex scan(OvaArchive archive) {
    OptionalLong length = archive.length();
    try (Cursor cursor =
        archive.seekable() ? new SeekingCursor(archive) : new SequentialCursor(archive, length)) {
      return scan(archive.shown(), cursor, length);
    } catch (EOFException e) {
      throw truncated(archive.shown(), e.getMessage(), e);
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.SOURCE_UNAVAILABLE, "reading " + archive.shown() + " failed: " + e, e);
    } catch (UncheckedIOException e) {
      throw new VmImportException(
          ErrorCode.SOURCE_UNAVAILABLE,
          "reading " + archive.shown() + " failed: " + e.getCause(),
          e);
    }
  }

  private static TarIndex scan(String shown, Cursor cursor, OptionalLong length)
      throws IOException {
    List<Entry> entries = new ArrayList<>();
    Map<String, byte[]> captured = new LinkedHashMap<>();
    long offset = 0;
    String longName = null;
    String paxPath = null;
    OptionalLong paxSize = OptionalLong.empty();
    while (true) {
      if (length.isPresent() && offset >= length.getAsLong()) {
        break; // archives cut at an entry boundary lack the end blocks; what is there is whole
      }
      byte[] header = cursor.read(offset, BLOCK);
      if (header == null) {
        break;
      }
      if (isZero(header)) {
        break;
      }
      if (!checksumMatches(header)) {
        if (offset == 0) {
          throw notTar(shown, header);
        }
        throw new VmImportException(
            ErrorCode.EXPORT_FAILED,
            shown + " is damaged: the tar header at byte " + offset + " has a wrong checksum",
            null,
            false);
      }
      char type = (char) header[156];
      long size = paxSize.orElse(sizeOf(header, offset, shown));
      long data = offset + BLOCK;
      long next = data + (size + BLOCK - 1) / BLOCK * BLOCK;
      if (length.isPresent() && data + size > length.getAsLong()) {
        throw truncated(
            shown,
            "entry '"
                + nameOf(header)
                + "' needs bytes up to "
                + (data + size)
                + " but the archive holds "
                + length.getAsLong(),
            null);
      }
      switch (type) {
        case 'x' -> {
          Map<String, String> pax = paxRecords(cursor.read(data, boundedSize(size, shown)));
          paxPath = pax.get("path");
          paxSize =
              pax.containsKey("size")
                  ? OptionalLong.of(Long.parseLong(pax.get("size")))
                  : OptionalLong.empty();
          offset = next;
          continue;
        }
        case 'L' -> {
          longName = cString(cursor.read(data, boundedSize(size, shown)), 0, (int) size);
          offset = next;
          continue;
        }
        case '0', '\0', '7' -> {
          String name = paxPath != null ? paxPath : longName != null ? longName : nameOf(header);
          name = name.startsWith("./") ? name.substring(2) : name;
          Entry entry = new Entry(name, offset, data, size);
          entries.add(entry);
          if (entries.size() > MAX_ENTRIES) {
            throw new VmImportException(
                ErrorCode.INVALID_SPEC, shown + " holds over " + MAX_ENTRIES + " files");
          }
          if (isDescriptor(name) || isManifest(name)) {
            int limit = isDescriptor(name) ? MAX_DESCRIPTOR_BYTES : MAX_MANIFEST_BYTES;
            if (size > limit) {
              throw new VmImportException(
                  ErrorCode.INVALID_SPEC,
                  shown + ": " + name + " has " + size + " bytes, over the limit of " + limit);
            }
            captured.putIfAbsent(name, cursor.read(data, (int) size));
          }
        }
        default -> {
          // directories, links, global PAX headers: nothing an OVA needs
        }
      }
      longName = null;
      paxPath = null;
      paxSize = OptionalLong.empty();
      offset = next;
    }
    return new TarIndex(entries, captured);
  }

  private static int boundedSize(long size, String shown) {
    if (size > MAX_LONG_NAME_BYTES) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC, shown + " has an extended tar header of " + size + " bytes");
    }
    return (int) size;
  }

  static VmImportException truncated(String shown, String detail, Throwable cause) {
    return new VmImportException(
        ErrorCode.EXPORT_FAILED,
        shown + " is truncated: " + detail + "; the archive is incomplete, download it again",
        cause,
        false);
  }

  private static VmImportException notTar(String shown, byte[] header) {
    String start = new String(header, 0, 64, StandardCharsets.ISO_8859_1).trim();
    String hint =
        start.startsWith("<")
            ? " (it looks like an OVF descriptor: give its URL ending in .ovf, with its files"
                + " beside it, or pack it with its files into an OVA, the descriptor first: tar cf"
                + " vm.ova vm.ovf vm.mf disk1.vmdk)"
            : (header[0] & 0xff) == 0x1f && (header[1] & 0xff) == 0x8b
                ? " (it is gzip-compressed: serve the .ova itself)"
                : "";
    return new VmImportException(
        ErrorCode.INVALID_SPEC, "spec.url " + shown + " is not an OVA (a tar archive)" + hint);
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean checksumMatches(byte[] header) {
    long stored;
    try {
      stored = Long.parseLong(cString(header, 148, 8).trim(), 8);
    } catch (NumberFormatException e) {
      return false;
    }
    long unsigned = 0;
    for (int i = 0; i < BLOCK; i++) {
      unsigned += (i >= 148 && i < 156) ? ' ' : header[i] & 0xff;
    }
    return stored == unsigned;
  }

  private static long sizeOf(byte[] header, long offset, String shown) {
    if ((header[124] & 0x80) != 0) {
      // GNU base-256 for files of 8 GiB and more
      long size = 0;
      for (int i = 125; i < 136; i++) {
        size = (size << 8) | (header[i] & 0xff);
      }
      return size;
    }
    String octal = cString(header, 124, 12).trim();
    try {
      return octal.isEmpty() ? 0 : Long.parseLong(octal, 8);
    } catch (NumberFormatException e) {
      throw new VmImportException(
          ErrorCode.EXPORT_FAILED,
          shown + " is damaged: the tar header at byte " + offset + " has a bad size",
          e,
          false);
    }
  }

  private static String nameOf(byte[] header) {
    String name = cString(header, 0, 100);
    boolean ustar = new String(header, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar");
    String prefix = ustar ? cString(header, 345, 155) : "";
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  private static String cString(byte[] bytes, int offset, int length) {
    int end = offset;
    while (end < offset + length && end < bytes.length && bytes[end] != 0) {
      end++;
    }
    return new String(bytes, offset, end - offset, StandardCharsets.UTF_8);
  }

  /** PAX records: {@code "<length> <key>=<value>\n"}. */
  private static Map<String, String> paxRecords(byte[] data) {
    Map<String, String> records = new LinkedHashMap<>();
    int at = 0;
    while (at < data.length) {
      int space = at;
      while (space < data.length && data[space] != ' ') {
        space++;
      }
      int length;
      try {
        length = Integer.parseInt(new String(data, at, space - at, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        break;
      }
      if (length <= 0 || at + length > data.length) {
        break;
      }
      String record = new String(data, space + 1, at + length - space - 2, StandardCharsets.UTF_8);
      int equals = record.indexOf('=');
      if (equals > 0) {
        records.put(record.substring(0, equals), record.substring(equals + 1));
      }
      at += length;
    }
    return records;
  }

  /** Reads parts of the archive at increasing (or, when seekable, any) offsets. */
  private interface Cursor extends AutoCloseable {
    /** {@code length} bytes at {@code offset}; {@code null} when the archive ends at offset. */
    byte[] read(long offset, int length) throws IOException;

    @Override
    void close() throws IOException;
  }

  /** One range request (or file read) per part. */
  private static final class SeekingCursor implements Cursor {
    private final OvaArchive archive;

    SeekingCursor(OvaArchive archive) {
      this.archive = archive;
    }

    @Override
    public byte[] read(long offset, int length) throws IOException {
      try (InputStream in = archive.open(offset, length)) {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length == 0 && length > 0) {
          return null;
        }
        if (bytes.length < length) {
          throw new EOFException("the archive ends at byte " + (offset + bytes.length));
        }
        return bytes;
      } catch (EOFException e) {
        if (length == BLOCK) {
          return null; // a header that is not there: the end, checked by the caller
        }
        throw e;
      }
    }

    @Override
    public void close() {}
  }

  /** One GET of the whole archive, skipping what is not asked for. */
  private static final class SequentialCursor implements Cursor {
    private final InputStream in;
    private long position;

    SequentialCursor(OvaArchive archive, OptionalLong length) {
      this.in = archive.open(0, length.orElse(Long.MAX_VALUE / 2));
    }

    @Override
    public byte[] read(long offset, int length) throws IOException {
      while (position < offset) {
        long skipped = in.skip(offset - position);
        if (skipped <= 0) {
          throw new EOFException("the archive ends at byte " + position);
        }
        position += skipped;
      }
      byte[] bytes;
      try {
        bytes = in.readNBytes(length);
      } catch (EOFException e) {
        return null;
      }
      position += bytes.length;
      if (bytes.length == 0) {
        return null;
      }
      if (bytes.length < length) {
        throw new EOFException("the archive ends at byte " + position);
      }
      return bytes;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
