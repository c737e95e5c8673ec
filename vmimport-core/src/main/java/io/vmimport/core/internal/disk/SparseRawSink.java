package io.vmimport.core.internal.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A raw image whose zero blocks are holes: it takes the space of its data only. */
public final class SparseRawSink implements ExtentSink {
  private final FileChannel file;

  public SparseRawSink(Path target) throws IOException {
    this.file = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  }

  @Override
  public void write(long offset, byte[] data, int length) throws IOException {
    int runStart = -1;
    for (int block = 0; block < length; block += ZeroBlocks.BLOCK) {
      int end = Math.min(block + ZeroBlocks.BLOCK, length);
      boolean zero = ZeroBlocks.isZero(data, block, end);
      if (!zero && runStart < 0) {
        runStart = block;
      } else if (zero && runStart >= 0) {
        writeFully(offset + runStart, data, runStart, block);
        runStart = -1;
      }
    }
    if (runStart >= 0) {
      writeFully(offset + runStart, data, runStart, length);
    }
  }

  private void writeFully(long position, byte[] data, int from, int to) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(data, from, to - from);
    while (buffer.hasRemaining()) {
      position += file.write(buffer, position);
    }
  }

  @Override
  public void finish(long virtualSize) throws IOException {
    if (file.size() < virtualSize) {
      // extends the file with a hole; truncate() only shrinks
      file.write(ByteBuffer.wrap(new byte[1]), virtualSize - 1);
    }
    file.force(false);
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}
