package io.vmimport.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.core.internal.SparseCopy;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseCopyTest {
  @TempDir Path dir;

  @Test
  void copiesContentExactlyAndLeavesZeroRunsAsHoles() throws Exception {
    int size = 32 << 20;
    byte[] content = new byte[size];
    Random random = new Random(7);
    byte[] chunk = new byte[1 << 20];
    for (int offset : new int[] {0, 9 << 20, 20 << 20}) {
      random.nextBytes(chunk);
      System.arraycopy(chunk, 0, content, offset, chunk.length);
    }
    content[size - 5] = 1; // data near the end
    Path target = dir.resolve("disk.raw");
    List<Long> counts = new ArrayList<>();

    long copied = SparseCopy.copy(new ByteArrayInputStream(content), target, counts::add);

    assertThat(copied).isEqualTo(size);
    assertThat(Files.readAllBytes(target)).isEqualTo(content);
    assertThat(counts).isSorted().last().isEqualTo((long) size);
    long allocatedBytes = allocatedBytes(target);
    assertThat(allocatedBytes).as("holes for the zero runs").isLessThan(8L << 20);
  }

  /** Bytes the file system allocated for the file ({@code stat %b} counts 512-byte blocks). */
  static long allocatedBytes(Path file) throws Exception {
    Process stat = new ProcessBuilder("stat", "--format=%b", file.toString()).start();
    String blocks = new String(stat.getInputStream().readAllBytes()).trim();
    assertThat(stat.waitFor()).isZero();
    return 512L * Long.parseLong(blocks);
  }

  @Test
  void aTrailingZeroRunStillCountsTowardsTheLength() throws Exception {
    byte[] content = new byte[3 << 20];
    content[0] = 9;
    Path target = dir.resolve("tail.raw");

    SparseCopy.copy(new ByteArrayInputStream(content), target, bytes -> {});

    assertThat(Files.size(target)).isEqualTo(content.length);
    assertThat(Files.readAllBytes(target)).isEqualTo(content);
  }
}
