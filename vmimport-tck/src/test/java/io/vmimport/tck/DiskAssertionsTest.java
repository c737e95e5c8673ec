package io.vmimport.tck;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskAssertionsTest {
  // two full comparison chunks and a partial one
  private static final byte[] CONTENT = randomBytes(2 * 65536 + 123);

  @TempDir Path dir;

  @Test
  void acceptsIdenticalFiles() throws Exception {
    Path actual = write("actual", CONTENT);

    assertThatCode(() -> DiskAssertions.assertSameBytes(actual, CONTENT))
        .doesNotThrowAnyException();
    assertThatCode(() -> DiskAssertions.assertSameBytes(actual, write("expected", CONTENT)))
        .doesNotThrowAnyException();
  }

  @Test
  void acceptsContentEndingOnAChunkBoundary() throws Exception {
    byte[] twoChunks = Arrays.copyOf(CONTENT, 2 * 65536);

    assertThatCode(() -> DiskAssertions.assertSameBytes(write("actual", twoChunks), twoChunks))
        .doesNotThrowAnyException();
  }

  @Test
  void namesTheFirstDifferingOffset() throws Exception {
    byte[] changed = CONTENT.clone();
    changed[70_000] ^= 0x10;
    changed[100_000] ^= 0x10;

    assertThatThrownBy(() -> DiskAssertions.assertSameBytes(write("actual", changed), CONTENT))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("at offset 70000");
  }

  @Test
  void reportsShortAndLongFiles() throws Exception {
    Path shorter = write("shorter", Arrays.copyOf(CONTENT, 65536));
    Path longer = write("longer", Arrays.copyOf(CONTENT, CONTENT.length + 1));

    assertThatThrownBy(() -> DiskAssertions.assertSameBytes(shorter, CONTENT))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("ends at byte 65536");
    assertThatThrownBy(() -> DiskAssertions.assertSameBytes(longer, CONTENT))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("extra bytes from offset " + CONTENT.length);
  }

  private Path write(String name, byte[] content) throws Exception {
    return Files.write(dir.resolve(name), content);
  }

  private static byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    new Random(7).nextBytes(bytes);
    return bytes;
  }
}
