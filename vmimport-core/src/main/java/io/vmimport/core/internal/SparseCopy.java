package io.vmimport.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Copies a stream into a new file, leaving all-zero blocks as holes so that the file takes only the
 * space of the data. Memory use is one buffer, whatever the stream's length.
 */
public final class SparseCopy {
  /** Zero detection granularity: the file system block size on common file systems. */
  static final int BLOCK = 4096;

  private static final int BUFFER = 1 << 20;
  private static final byte[] ZEROS = new byte[BLOCK];

  /** Told the running byte count after each buffer. */
  public interface Counter {
    void copied(long bytes);
  }

  private SparseCopy() {}

  /**
   * Copies all of {@code input} into {@code target}, which must not exist.
   *
   * @return the number of bytes copied (the logical length of the file)
   */
  public static long copy(InputStream input, Path target, Counter counter) throws IOException {
    byte[] buffer = new byte[BUFFER];
    long position = 0;
    try (FileChannel out =
        FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      while (true) {
        int filled = input.readNBytes(buffer, 0, BUFFER);
        if (filled == 0) {
          break;
        }
        writeNonZeroRuns(out, buffer, filled, position);
        position += filled;
        counter.copied(position);
        if (filled < BUFFER) {
          break;
        }
      }
      // a trailing hole still counts towards the length
      if (out.size() < position) {
        out.write(ByteBuffer.wrap(new byte[1]), position - 1);
      }
    }
    return position;
  }

  private static void writeNonZeroRuns(FileChannel out, byte[] buffer, int length, long base)
      throws IOException {
    int runStart = -1;
    for (int offset = 0; offset < length; offset += BLOCK) {
      int end = Math.min(offset + BLOCK, length);
      boolean zero = Arrays.mismatch(buffer, offset, end, ZEROS, 0, end - offset) == -1;
      if (!zero && runStart < 0) {
        runStart = offset;
      } else if (zero && runStart >= 0) {
        write(out, buffer, runStart, offset, base);
        runStart = -1;
      }
    }
    if (runStart >= 0) {
      write(out, buffer, runStart, length, base);
    }
  }

  private static void write(FileChannel out, byte[] buffer, int from, int to, long base)
      throws IOException {
    ByteBuffer slice = ByteBuffer.wrap(buffer, from, to - from);
    long position = base + from;
    while (slice.hasRemaining()) {
      position += out.write(slice, position);
    }
  }
}
