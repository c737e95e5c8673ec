package io.vmimport.core.internal.disk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link Qcow2Sink} writes, read back by qemu-img as Harvester's nodes read it. */
class Qcow2SinkIT {
  @TempDir Path dir;

  /**
   * A disk whose size is not a multiple of 512 (a raw file of a directory source, say) keeps its
   * last bytes: qemu counts a qcow2's size in whole sectors, rounding down.
   */
  @Test
  void theTailOfADiskOfAnOddSizeIsKept() throws Exception {
    byte[] bytes = new byte[3 * 1024 * 1024 + 4099];
    new Random(15).nextBytes(bytes);
    Path raw = Files.write(dir.resolve("odd.raw"), bytes);
    Path qcow2 = dir.resolve("odd.qcow2");
    try (Qcow2Sink sink = new Qcow2Sink(qcow2)) {
      sink.write(0, bytes, bytes.length);
      sink.finish(bytes.length);
    }

    run("qemu-img", "check", "-f", "qcow2", qcow2.toString());
    Path back = dir.resolve("back.raw");
    run("qemu-img", "convert", "-f", "qcow2", "-O", "raw", qcow2.toString(), back.toString());
    byte[] read = Files.readAllBytes(back);
    assertThat(read.length).as("the size, in whole sectors").isEqualTo(6153 * 512);
    assertThat(Arrays.copyOf(read, bytes.length)).as("the disk's bytes").isEqualTo(bytes);
    assertThat(Arrays.copyOfRange(read, bytes.length, read.length)).containsOnly((byte) 0);
    run("qemu-img", "compare", "-f", "qcow2", "-F", "raw", qcow2.toString(), raw.toString());
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
    return output;
  }
}
