package io.vmimport.core.internal.disk;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Decodes a streamOptimized VMDK (what a vSphere NFC export sends) from a stream, in one pass,
 * handing each grain's data to an {@link ExtentSink}. The format is a sparse header, a descriptor,
 * then markers: compressed grains ({@code lba, size, deflate data}) and metadata markers (grain
 * tables, grain directory, footer, end of stream) that a one-pass reader skips, since every grain
 * names its own position. Grains absent from the stream are zeros.
 */
public final class StreamOptimizedVmdk {
  /** "KDMV" read as a little-endian integer. */
  static final int MAGIC = 0x564d444b;

  private static final int SECTOR = 512;
  private static final int FLAG_COMPRESSED = 1 << 16;
  private static final int FLAG_MARKERS = 1 << 17;
  private static final int MARKER_EOS = 0;
  private static final int MARKER_GT = 1;
  private static final int MARKER_GD = 2;
  private static final int MARKER_FOOTER = 3;

  /** Header and grain tables read up front, at most; VMware and qemu use 64 KiB. */
  private static final long MAX_OVERHEAD_READ = 64L << 20;

  /** Marks a grain directory written after the grains (VMware's streams). */
  private static final long GD_AT_END = -1L;

  /** Largest grain we accept: 128 MiB; VMware writes 64 KiB. */
  private static final long MAX_GRAIN_SECTORS = 1L << 18;

  /** What the header says. */
  public record Header(long capacityBytes, int grainBytes, long overheadBytes) {}

  private StreamOptimizedVmdk() {}

  /** Whether the first sector is that of a streamOptimized VMDK (compressed grains, markers). */
  public static boolean matches(byte[] firstSector) {
    if (firstSector.length < 16) {
      return false;
    }
    ByteBuffer header = ByteBuffer.wrap(firstSector).order(ByteOrder.LITTLE_ENDIAN);
    int flags = header.getInt(8);
    return header.getInt(0) == MAGIC
        && (flags & FLAG_COMPRESSED) != 0
        && (flags & FLAG_MARKERS) != 0;
  }

  /**
   * Reads the whole stream into {@code sink} and finishes it with the header's capacity.
   *
   * @param progress told the number of stream bytes consumed after each grain
   * @return the header
   * @throws IOException for a read failure or a malformed stream (the message says where)
   */
  public static Header decode(InputStream input, ExtentSink sink, ByteCounter progress)
      throws IOException {
    Reader reader = new Reader(input);
    byte[] sector = new byte[SECTOR];
    reader.readFully(sector, SECTOR);
    if (!matches(sector)) {
      throw new IOException("not a streamOptimized VMDK (bad magic or flags in the header)");
    }
    ByteBuffer header = ByteBuffer.wrap(sector).order(ByteOrder.LITTLE_ENDIAN);
    long capacitySectors = header.getLong(12);
    long grainSectors = header.getLong(20);
    long overheadSectors = header.getLong(64);
    int algorithm = Short.toUnsignedInt(header.getShort(77));
    if (grainSectors < 1 || grainSectors > MAX_GRAIN_SECTORS || Long.bitCount(grainSectors) != 1) {
      throw new IOException("unsupported VMDK grain size of " + grainSectors + " sectors");
    }
    if (algorithm != 1) {
      throw new IOException("unsupported VMDK compression algorithm " + algorithm);
    }
    Header result =
        new Header(
            capacitySectors * SECTOR, (int) (grainSectors * SECTOR), overheadSectors * SECTOR);
    long expectedGrains = -1;
    long gdSector = header.getLong(56);
    if (result.overheadBytes() - SECTOR <= MAX_OVERHEAD_READ) {
      byte[] overhead = new byte[(int) Math.max(0, result.overheadBytes() - SECTOR)];
      reader.readFully(overhead, overhead.length);
      expectedGrains =
          grainsListedUpFront(
              overhead, gdSector, header.getInt(44), capacitySectors / grainSectors + 1);
    } else {
      reader.skipTo(result.overheadBytes());
    }
    // deflate can expand incompressible data slightly; twice the grain is far beyond that
    byte[] compressed = new byte[2 * result.grainBytes() + SECTOR];
    long grains = 0;
    try (InflatePipeline pipeline = new InflatePipeline(sink, progress, result.grainBytes())) {
      while (true) {
        long markerAt = reader.position();
        if (!reader.readSectorOrEnd(sector)) {
          // writers that put the grain tables up front (qemu-img) end without a marker; the
          // tables say how many grains there must have been, so a cut stream is still caught
          if (expectedGrains < 0) {
            throw new EOFException(
                "VMDK stream ended at byte " + markerAt + " before its end-of-stream marker");
          }
          break;
        }
        ByteBuffer marker = ByteBuffer.wrap(sector).order(ByteOrder.LITTLE_ENDIAN);
        long value = marker.getLong(0);
        int size = marker.getInt(8);
        if (size == 0) {
          int type = marker.getInt(12);
          if (type == MARKER_EOS) {
            break;
          }
          if (type != MARKER_GT && type != MARKER_GD && type != MARKER_FOOTER) {
            throw new IOException("unknown VMDK marker type " + type + " at byte " + markerAt);
          }
          // metadata of value sectors follows; every grain already carried its position
          reader.skipTo(reader.position() + value * SECTOR);
          continue;
        }
        if (size < 0 || size > compressed.length) {
          throw new IOException("VMDK grain at byte " + markerAt + " has a bad size " + size);
        }
        // the grain's data starts 12 bytes into its first sector
        int inFirst = Math.min(size, SECTOR - 12);
        System.arraycopy(sector, 12, compressed, 0, inFirst);
        int rest = size - inFirst;
        if (rest > 0) {
          int padded = (rest + SECTOR - 1) / SECTOR * SECTOR;
          reader.readFully(compressed, inFirst, rest);
          reader.skipTo(reader.position() + (padded - rest));
        }
        long offset = value * SECTOR;
        long room = result.capacityBytes() - offset;
        if (room <= 0) {
          throw new IOException(
              "VMDK grain at byte " + markerAt + " lies beyond the capacity of the disk");
        }
        pipeline.submit(offset, Arrays.copyOf(compressed, size), room, markerAt, reader.position());
        grains++;
      }
      pipeline.drain();
    }
    if (expectedGrains >= 0 && grains != expectedGrains) {
      throw new EOFException(
          "VMDK stream ended at byte "
              + reader.position()
              + " after "
              + grains
              + " of the "
              + expectedGrains
              + " grains its tables list");
    }
    sink.finish(result.capacityBytes());
    progress.consumed(reader.position());
    return result;
  }

  /**
   * Counts the grains the grain tables in the overhead list, or -1 when the tables are not there
   * (written at the end of the stream, as VMware does).
   *
   * @param overhead the stream's bytes from sector 1 up to the first grain
   */
  private static long grainsListedUpFront(
      byte[] overhead, long gdSector, int entriesPerTable, long maxGrains) {
    if (gdSector == GD_AT_END || gdSector < 1 || entriesPerTable < 1) {
      return -1;
    }
    ByteBuffer bytes = ByteBuffer.wrap(overhead).order(ByteOrder.LITTLE_ENDIAN);
    long tables = (maxGrains + entriesPerTable - 1) / entriesPerTable;
    long gdAt = (gdSector - 1) * SECTOR;
    if (gdAt + tables * 4 > overhead.length) {
      return -1;
    }
    long listed = 0;
    for (int t = 0; t < tables; t++) {
      long tableSector = Integer.toUnsignedLong(bytes.getInt((int) (gdAt + t * 4L)));
      if (tableSector == 0) {
        continue;
      }
      long tableAt = (tableSector - 1) * SECTOR;
      if (tableSector < 1 || tableAt + entriesPerTable * 4L > overhead.length) {
        return -1;
      }
      for (int e = 0; e < entriesPerTable; e++) {
        // 0: never written, 1: a zero grain; anything else is a grain in the stream
        if (Integer.toUnsignedLong(bytes.getInt((int) (tableAt + e * 4L))) > 1) {
          listed++;
        }
      }
    }
    return listed;
  }

  /** Told how far the decoding has come. */
  @FunctionalInterface
  public interface ByteCounter {
    /** Bytes of the stream consumed so far. */
    void consumed(long bytes);

    /**
     * A grain ending at {@code diskOffset} was written. Grains come in disk order, so this is how
     * far into the disk the stream has come, whose capacity is known when the stream's length is
     * not (a compressed export).
     */
    default void written(long diskOffset) {}
  }

  /** Sequential reading with a position, skipping forward only. */
  private static final class Reader {
    private final InputStream input;
    private final byte[] skipBuffer = new byte[SECTOR * 16];
    private long position;

    Reader(InputStream input) {
      this.input = input;
    }

    long position() {
      return position;
    }

    void readFully(byte[] buffer, int length) throws IOException {
      readFully(buffer, 0, length);
    }

    void readFully(byte[] buffer, int offset, int length) throws IOException {
      int read = input.readNBytes(buffer, offset, length);
      position += read;
      if (read < length) {
        throw new EOFException("VMDK stream ended at byte " + position + " before its end marker");
      }
    }

    /** Reads one sector; false when the stream ended cleanly before it. */
    boolean readSectorOrEnd(byte[] sector) throws IOException {
      int read = input.readNBytes(sector, 0, SECTOR);
      position += read;
      if (read == 0) {
        return false;
      }
      if (read < SECTOR) {
        throw new EOFException("VMDK stream ended at byte " + position + " inside a marker");
      }
      return true;
    }

    void skipTo(long target) throws IOException {
      if (target < position) {
        throw new IOException("VMDK stream goes back from byte " + position + " to " + target);
      }
      while (position < target) {
        readFully(skipBuffer, (int) Math.min(skipBuffer.length, target - position));
      }
    }
  }
}
