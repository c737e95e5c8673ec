package io.vmimport.core.internal;

import io.vmimport.core.internal.disk.ExtentSink;
import io.vmimport.core.internal.disk.SparseRawSink;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Copies a stream of disk bytes into a sparse image: zero blocks become holes (raw) or are never
 * allocated (qcow2). Memory use is one buffer, whatever the stream's length.
 */
public final class SparseCopy {
  private static final int BUFFER = 1 << 20;

  /** Told the running byte count after each buffer. */
  public interface Counter {
    void copied(long bytes);
  }

  private SparseCopy() {}

  /**
   * Copies all of {@code input} into {@code sink} and finishes it.
   *
   * @return the number of bytes copied (the virtual size of the image)
   */
  public static long copy(InputStream input, ExtentSink sink, Counter counter) throws IOException {
    byte[] buffer = new byte[BUFFER];
    long position = 0;
    while (true) {
      int filled = input.readNBytes(buffer, 0, BUFFER);
      if (filled == 0) {
        break;
      }
      sink.write(position, buffer, filled);
      position += filled;
      counter.copied(position);
      if (filled < BUFFER) {
        break;
      }
    }
    sink.finish(position);
    return position;
  }

  /** Copies all of {@code input} into a new sparse file {@code target}, byte for byte. */
  public static long copy(InputStream input, Path target, Counter counter) throws IOException {
    try (SparseRawSink sink = new SparseRawSink(target)) {
      return copy(input, sink, counter);
    }
  }
}
