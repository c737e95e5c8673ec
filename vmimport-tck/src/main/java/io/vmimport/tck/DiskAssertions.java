package io.vmimport.tck;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Byte-exact comparison of raw disk images for {@link ProviderFixture#verifyExport}, streaming so
 * that large disks need no heap. Failures give the first differing offset and both sizes.
 */
public final class DiskAssertions {
  private static final int CHUNK = 1 << 16;

  private DiskAssertions() {}

  /** Fails unless {@code actual} and {@code expected} hold the same bytes. */
  public static void assertSameBytes(Path actual, Path expected) throws IOException {
    try (InputStream expectedInput = Files.newInputStream(expected)) {
      assertSameBytes(actual, expectedInput, expected.toString());
    }
  }

  /** Fails unless {@code actual} holds exactly {@code expected}. */
  public static void assertSameBytes(Path actual, byte[] expected) throws IOException {
    assertSameBytes(
        actual, new ByteArrayInputStream(expected), "the expected " + expected.length + " bytes");
  }

  private static void assertSameBytes(Path actual, InputStream expected, String expectedName)
      throws IOException {
    try (InputStream actualInput = Files.newInputStream(actual)) {
      long offset = 0;
      while (true) {
        // readNBytes fills the chunk unless the stream ends, so chunks line up on both sides
        byte[] a = actualInput.readNBytes(CHUNK);
        byte[] e = expected.readNBytes(CHUNK);
        int mismatch = Arrays.mismatch(a, e);
        if (mismatch >= 0) {
          throw new AssertionError(
              describeMismatch(
                  actual,
                  expectedName,
                  offset + mismatch,
                  mismatch < a.length ? a[mismatch] & 0xff : -1,
                  mismatch < e.length ? e[mismatch] & 0xff : -1));
        }
        if (a.length < CHUNK) {
          return;
        }
        offset += CHUNK;
      }
    }
  }

  private static String describeMismatch(
      Path actual, String expectedName, long offset, int actualByte, int expectedByte) {
    if (actualByte == -1) {
      return actual + " ends at byte " + offset + " but " + expectedName + " continue";
    }
    if (expectedByte == -1) {
      return actual + " is longer than " + expectedName + ": extra bytes from offset " + offset;
    }
    return String.format(
        "%s differs from %s at offset %d: 0x%02x instead of 0x%02x",
        actual, expectedName, offset, actualByte, expectedByte);
  }
}
