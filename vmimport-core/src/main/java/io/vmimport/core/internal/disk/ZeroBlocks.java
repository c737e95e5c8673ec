package io.vmimport.core.internal.disk;

import java.util.Arrays;

/** Zero detection, the hot loop of every sparse writer: one vectorised compare per block. */
final class ZeroBlocks {
  static final int BLOCK = 4096;
  private static final byte[] ZEROS = new byte[1 << 16];

  private ZeroBlocks() {}

  static boolean isZero(byte[] data, int from, int to) {
    for (int start = from; start < to; start += ZEROS.length) {
      int end = Math.min(to, start + ZEROS.length);
      if (Arrays.mismatch(data, start, end, ZEROS, 0, end - start) != -1) {
        return false;
      }
    }
    return true;
  }
}
