package io.vmimport.core.internal.disk;

import java.io.Closeable;
import java.io.IOException;

/**
 * Receives the data of a disk as extents at guest offsets, in any order; what is never written
 * reads as zeros. Implementations write a sparse image file.
 */
public interface ExtentSink extends Closeable {
  /** Writes {@code length} bytes of {@code data} at guest byte {@code offset}. */
  void write(long offset, byte[] data, int length) throws IOException;

  /** Completes the image with its virtual size; nothing may be written afterwards. */
  void finish(long virtualSize) throws IOException;
}
