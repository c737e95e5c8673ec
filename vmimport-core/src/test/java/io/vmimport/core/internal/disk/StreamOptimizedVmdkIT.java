package io.vmimport.core.internal.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decoding real streamOptimized VMDKs made by qemu-img, checked by qemu-img. */
class StreamOptimizedVmdkIT {
  private static final long SIZE = 256L << 20;

  @TempDir Path dir;
  private Path raw;
  private Path vmdk;

  @BeforeEach
  void makeImages() throws Exception {
    raw = dir.resolve("source.raw");
    Random random = new Random(11);
    try (var file =
        java.nio.channels.FileChannel.open(
            raw,
            java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE)) {
      // incompressible and compressible extents at aligned and unaligned offsets
      for (long offset : new long[] {0, 5_000_003, 64L << 20, (100L << 20) + 777, SIZE - 70_000}) {
        byte[] chunk = new byte[3 << 20 > SIZE - offset ? (int) (SIZE - offset) : 3 << 20];
        if (offset % 2 == 0) {
          random.nextBytes(chunk);
        } else {
          Arrays.fill(chunk, (byte) 'v');
        }
        file.write(java.nio.ByteBuffer.wrap(chunk), offset);
      }
      file.truncate(SIZE);
      if (file.size() < SIZE) {
        file.write(java.nio.ByteBuffer.wrap(new byte[1]), SIZE - 1);
      }
    }
    vmdk = dir.resolve("disk.vmdk");
    run(
        "qemu-img",
        "convert",
        "-f",
        "raw",
        "-O",
        "vmdk",
        "-o",
        "subformat=streamOptimized",
        raw.toString(),
        vmdk.toString());
  }

  @Test
  void decodesIntoACompactQcow2ThatQemuAccepts() throws Exception {
    Path qcow2 = dir.resolve("out.qcow2");
    long[] consumed = {0};
    StreamOptimizedVmdk.Header header;
    try (InputStream in = Files.newInputStream(vmdk);
        Qcow2Sink sink = new Qcow2Sink(qcow2)) {
      header = StreamOptimizedVmdk.decode(in, sink, bytes -> consumed[0] = bytes);
    }

    assertThat(header.capacityBytes()).isEqualTo(SIZE);
    assertThat(consumed[0]).isEqualTo(Files.size(vmdk));
    run("qemu-img", "check", "-f", "qcow2", qcow2.toString());
    run("qemu-img", "compare", "-f", "qcow2", "-F", "raw", qcow2.toString(), raw.toString());
    assertThat(Files.size(qcow2))
        .as("compact: about the data, not the virtual size")
        .isLessThan(24L << 20);
  }

  @Test
  void decodesIntoASparseRaw() throws Exception {
    Path out = dir.resolve("out.raw");
    try (InputStream in = Files.newInputStream(vmdk);
        SparseRawSink sink = new SparseRawSink(out)) {
      StreamOptimizedVmdk.decode(in, sink, bytes -> {});
    }

    assertThat(Files.size(out)).isEqualTo(SIZE);
    run("qemu-img", "compare", "-f", "raw", "-F", "raw", out.toString(), raw.toString());
    assertThat(allocated(out)).as("sparse").isLessThan(24L << 20);
  }

  @Test
  void aTruncatedStreamSaysWhereItEnded() throws Exception {
    byte[] whole = Files.readAllBytes(vmdk);
    byte[] cut = Arrays.copyOf(whole, whole.length / 2);

    assertThatThrownBy(
            () -> {
              try (Qcow2Sink sink = new Qcow2Sink(dir.resolve("cut.qcow2"))) {
                StreamOptimizedVmdk.decode(new ByteArrayInputStream(cut), sink, bytes -> {});
              }
            })
        .isInstanceOf(IOException.class)
        .hasMessageContaining("ended at byte");
  }

  @Test
  void aStreamCutExactlyBetweenGrainsIsCaughtByTheGrainTables() throws Exception {
    byte[] whole = Files.readAllBytes(vmdk);
    List<int[]> grains = grains(whole);
    byte[] cut = Arrays.copyOf(whole, grains.get(grains.size() / 2)[0]);

    assertThatThrownBy(
            () -> {
              try (Qcow2Sink sink = new Qcow2Sink(dir.resolve("cut.qcow2"))) {
                StreamOptimizedVmdk.decode(new ByteArrayInputStream(cut), sink, bytes -> {});
              }
            })
        .isInstanceOf(IOException.class)
        .hasMessageContaining("of the " + grains.size() + " grains its tables list");
  }

  @Test
  void decodesTheMarkerLayoutOfVmwareExports() throws Exception {
    byte[] vmware = vmwareLayout(Files.readAllBytes(vmdk));
    Path qcow2 = dir.resolve("vmware.qcow2");
    try (Qcow2Sink sink = new Qcow2Sink(qcow2)) {
      StreamOptimizedVmdk.decode(new ByteArrayInputStream(vmware), sink, bytes -> {});
    }

    run("qemu-img", "compare", "-f", "qcow2", "-F", "raw", qcow2.toString(), raw.toString());
  }

  @Test
  void aVmwareLayoutStreamWithoutItsEndMarkerIsRejected() throws Exception {
    byte[] vmware = vmwareLayout(Files.readAllBytes(vmdk));
    byte[] withoutEos = Arrays.copyOf(vmware, vmware.length - 512);

    assertThatThrownBy(
            () -> {
              try (Qcow2Sink sink = new Qcow2Sink(dir.resolve("noeos.qcow2"))) {
                StreamOptimizedVmdk.decode(new ByteArrayInputStream(withoutEos), sink, b -> {});
              }
            })
        .isInstanceOf(IOException.class)
        .hasMessageContaining("before its end-of-stream marker");
  }

  /** Offset and length of each grain record of a qemu-made stream. */
  private static List<int[]> grains(byte[] stream) {
    ByteBuffer bytes = ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN);
    int position = (int) (bytes.getLong(64) * 512);
    List<int[]> grains = new ArrayList<>();
    while (position < stream.length) {
      int size = bytes.getInt(position + 8);
      int length = (12 + size + 511) / 512 * 512;
      grains.add(new int[] {position, length});
      position += length;
    }
    return grains;
  }

  /**
   * The same grains as VMware lays them out: the header says the grain directory is at the end,
   * grain tables, the directory and a footer follow the grains behind markers, and an end-of-stream
   * marker closes it.
   */
  private static byte[] vmwareLayout(byte[] qemu) {
    ByteBuffer out = ByteBuffer.allocate(qemu.length + 64 * 512).order(ByteOrder.LITTLE_ENDIAN);
    byte[] header = Arrays.copyOf(qemu, 512);
    ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putLong(56, -1L);
    out.put(header);
    int overhead = (int) (ByteBuffer.wrap(qemu).order(ByteOrder.LITTLE_ENDIAN).getLong(64) * 512);
    out.put(new byte[overhead - 512]);
    for (int[] grain : grains(qemu)) {
      out.put(qemu, grain[0], grain[1]);
    }
    metadataMarker(out, 4, 1); // a grain table of 4 sectors
    metadataMarker(out, 1, 2); // the grain directory
    metadataMarker(out, 1, 3); // the footer
    metadataMarker(out, 0, 0); // end of stream
    return Arrays.copyOf(out.array(), out.position());
  }

  private static void metadataMarker(ByteBuffer out, int sectors, int type) {
    byte[] marker = new byte[512];
    ByteBuffer.wrap(marker).order(ByteOrder.LITTLE_ENDIAN).putLong(0, sectors).putInt(12, type);
    out.put(marker);
    byte[] metadata = new byte[sectors * 512];
    Arrays.fill(metadata, (byte) 0x5a);
    out.put(metadata);
  }

  @Test
  void otherVmdkVariantsAreNotMistakenForStreamOptimized() throws Exception {
    Path sparse = dir.resolve("sparse.vmdk");
    run(
        "qemu-img",
        "convert",
        "-f",
        "raw",
        "-O",
        "vmdk",
        "-o",
        "subformat=monolithicSparse",
        raw.toString(),
        sparse.toString());

    assertThat(StreamOptimizedVmdk.matches(Arrays.copyOf(Files.readAllBytes(vmdk), 512))).isTrue();
    assertThat(StreamOptimizedVmdk.matches(Arrays.copyOf(Files.readAllBytes(sparse), 512)))
        .isFalse();
  }

  private static long allocated(Path file) throws Exception {
    return 512L * Long.parseLong(run("stat", "--format=%b", file.toString()).trim());
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
    return output;
  }
}
