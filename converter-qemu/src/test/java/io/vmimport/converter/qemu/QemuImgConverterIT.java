package io.vmimport.converter.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.convert.ConversionRequest;
import io.vmimport.api.convert.DiskInfo;
import io.vmimport.api.convert.ProgressListener;
import io.vmimport.api.model.DiskFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Against the real qemu-img, with real images made by it. */
class QemuImgConverterIT {
  private static final long MIB = 1024 * 1024;
  private static final long VIRTUAL_SIZE = 64 * MIB;

  /**
   * Where the original holds data; everything else is a hole. Some spots are not cluster-aligned.
   */
  private static final long[][] DATA_EXTENTS = {
    {0, 64 * 1024},
    {3 * MIB + 4096, 700 * 1024},
    {10 * MIB, MIB},
    {20 * MIB + 512, 300 * 1024},
    {33 * MIB, 2 * MIB},
    {VIRTUAL_SIZE - 512 * 1024, 512 * 1024},
  };

  /** The images made from the original, by the name the tests use for them. */
  enum Source {
    RAW(DiskFormat.RAW),
    QCOW2(DiskFormat.QCOW2, "-O", "qcow2"),
    VMDK_MONOLITHIC_SPARSE(DiskFormat.VMDK, "-O", "vmdk", "-o", "subformat=monolithicSparse"),
    VMDK_STREAM_OPTIMIZED(DiskFormat.VMDK, "-O", "vmdk", "-o", "subformat=streamOptimized"),
    VPC(DiskFormat.VPC, "-O", "vpc", "-o", "subformat=dynamic,force_size=on"),
    VHDX(DiskFormat.VHDX, "-O", "vhdx");

    final DiskFormat format;
    final List<String> createOptions;

    Source(DiskFormat format, String... createOptions) {
      this.format = format;
      this.createOptions = List.of(createOptions);
    }

    Path path() {
      return images.resolve(name().toLowerCase() + "." + format.id());
    }
  }

  @TempDir static Path images;
  @TempDir Path out;

  private final QemuImgConverter converter = new QemuImgConverter();

  @BeforeAll
  static void makeImages() throws Exception {
    Path original = Source.RAW.path();
    Random random = new Random(42);
    try (FileChannel channel =
        FileChannel.open(original, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      channel.truncate(VIRTUAL_SIZE);
      for (long[] extent : DATA_EXTENTS) {
        byte[] data = new byte[(int) extent[1]];
        random.nextBytes(data);
        ByteBuffer buffer = ByteBuffer.wrap(data);
        long position = extent[0];
        while (buffer.hasRemaining()) {
          position += channel.write(buffer, position);
        }
      }
      // truncate() only sets the length; make sure the file really is that long and sparse.
      assertThat(channel.size()).isEqualTo(VIRTUAL_SIZE);
    }
    for (Source source : Source.values()) {
      if (source != Source.RAW) {
        List<String> args = new ArrayList<>(List.of("convert", "-f", "raw"));
        args.addAll(source.createOptions);
        args.add(original.toString());
        args.add(source.path().toString());
        QemuImgCli.ok(args.toArray(String[]::new));
      }
    }
  }

  static Stream<Arguments> conversions() {
    return Stream.of(Source.values())
        .flatMap(
            source ->
                Stream.of(DiskFormat.RAW, DiskFormat.QCOW2)
                    .map(target -> Arguments.of(source, target)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sources")
  void inspectReportsFormatAndVirtualSize(Source source) {
    DiskInfo info = converter.inspect(source.path());

    assertThat(info.format()).isEqualTo(source.format);
    assertThat(info.virtualSizeBytes()).isEqualTo(VIRTUAL_SIZE);
    // All these hold about 4 MiB of data in a 64 MiB disk.
    assertThat(info.fileSizeBytes()).isPresent();
    assertThat(info.fileSizeBytes().getAsLong()).isBetween(MIB, 16 * MIB);
  }

  static Stream<Source> sources() {
    return Stream.of(Source.values());
  }

  @Test
  void inspectResolvesRelativePaths() throws IOException {
    Path relative = Path.of("").toAbsolutePath().relativize(Source.QCOW2.path());

    assertThat(converter.inspect(relative).format()).isEqualTo(DiskFormat.QCOW2);
  }

  @ParameterizedTest(name = "{0} to {1}")
  @MethodSource("conversions")
  void convertsToIdenticalSparseImage(Source source, DiskFormat targetFormat) throws Exception {
    Path target = out.resolve("disk." + targetFormat.id());
    List<Long> progress = Collections.synchronizedList(new ArrayList<>());

    converter.convert(
        new ConversionRequest(source.path(), Optional.empty(), target, targetFormat),
        recording(progress));

    QemuImgCli.Result compare =
        QemuImgCli.run(
            "compare",
            "-f",
            "raw",
            "-F",
            targetFormat.id(),
            Source.RAW.path().toString(),
            target.toString());
    assertThat(compare.exitCode()).as("qemu-img compare: %s", compare.output()).isZero();
    assertThat(converter.inspect(target))
        .isEqualTo(
            new DiskInfo(targetFormat, VIRTUAL_SIZE, converter.inspect(target).fileSizeBytes()));
    if (targetFormat == DiskFormat.RAW) {
      assertThat(Files.size(target)).isEqualTo(VIRTUAL_SIZE);
      assertThat(QemuImgCli.allocatedBytes(target)).isLessThan(16 * MIB);
    } else {
      assertThat(Files.size(target)).isLessThan(16 * MIB);
    }
    assertMonotoneToHundred(progress);
    assertThat(listing(out)).containsExactly(target.getFileName().toString());
  }

  @ParameterizedTest(name = "raw to {0}")
  @MethodSource("otherTargets")
  void convertsRawToTheOtherFormats(DiskFormat targetFormat) throws Exception {
    Path target = out.resolve("disk." + targetFormat.id());

    converter.convert(
        new ConversionRequest(Source.RAW.path(), Optional.of(DiskFormat.RAW), target, targetFormat),
        ProgressListener.NONE);

    QemuImgCli.Result compare =
        QemuImgCli.run(
            "compare",
            "-f",
            "raw",
            "-F",
            targetFormat.id(),
            Source.RAW.path().toString(),
            target.toString());
    assertThat(compare.exitCode()).as("qemu-img compare: %s", compare.output()).isZero();
    assertThat(converter.inspect(target))
        .satisfies(info -> assertThat(info.format()).isEqualTo(targetFormat))
        .satisfies(info -> assertThat(info.virtualSizeBytes()).isEqualTo(VIRTUAL_SIZE));
  }

  static Stream<DiskFormat> otherTargets() {
    return Stream.of(DiskFormat.VMDK, DiskFormat.VPC, DiskFormat.VHDX);
  }

  @Test
  void progressOfALongerConversionHasManySteps() {
    List<Long> progress = Collections.synchronizedList(new ArrayList<>());

    converter.convert(
        new ConversionRequest(
            Source.VMDK_STREAM_OPTIMIZED.path(),
            Optional.of(DiskFormat.VMDK),
            out.resolve("disk.raw"),
            DiskFormat.RAW),
        recording(progress));

    assertMonotoneToHundred(progress);
    assertThat(progress).hasSizeGreaterThan(10);
  }

  @Test
  void refusesToOverwriteTarget() throws IOException {
    Path target = out.resolve("disk.raw");
    Files.writeString(target, "keep me");

    assertFails(
            ErrorCode.CONVERSION_FAILED,
            () -> converter.convert(request(Source.QCOW2.path(), target), ProgressListener.NONE))
        .hasMessageContaining(target.toString())
        .hasMessageContaining("already exists");
    assertThat(Files.readString(target)).isEqualTo("keep me");
    assertThat(listing(out)).containsExactly("disk.raw");
  }

  @Test
  void garbageBehindQcow2MagicFails() throws IOException {
    Path corrupt = out.resolve("garbage.qcow2");
    byte[] garbage = new byte[64 * 1024];
    new Random(7).nextBytes(garbage);
    System.arraycopy(new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3}, 0, garbage, 0, 8);
    Files.write(corrupt, garbage);
    Path target = out.resolve("disk.raw");

    assertFails(ErrorCode.CONVERSION_FAILED, () -> converter.inspect(corrupt))
        .hasMessageContaining(corrupt.toString());
    assertFails(
            ErrorCode.CONVERSION_FAILED,
            () -> converter.convert(request(corrupt, target), ProgressListener.NONE))
        .hasMessageContaining(corrupt.toString());
    assertThat(listing(out)).containsExactly("garbage.qcow2");
  }

  @Test
  void truncatedQcow2Fails() throws IOException {
    // qemu-img convert alone reads the missing clusters as zeros and exits 0; check catches it.
    Path truncated = out.resolve("truncated.qcow2");
    Files.copy(Source.QCOW2.path(), truncated);
    try (FileChannel channel = FileChannel.open(truncated, StandardOpenOption.WRITE)) {
      channel.truncate(MIB);
    }
    Path target = out.resolve("disk.raw");

    assertFails(
            ErrorCode.CONVERSION_FAILED,
            () ->
                converter.convert(
                    new ConversionRequest(
                        truncated, Optional.of(DiskFormat.QCOW2), target, DiskFormat.RAW),
                    ProgressListener.NONE))
        .hasMessageContaining(truncated.toString())
        .hasMessageContaining("corrupt");
    assertThat(listing(out)).containsExactly("truncated.qcow2");
  }

  @Test
  void dataCorruptedInsideAStreamOptimizedVmdkFailsMidwayAndLeavesNothing() throws Exception {
    // The grain tables are intact, so check passes; the damage shows only when decompressing.
    Path damaged = out.resolve("damaged.vmdk");
    Files.copy(Source.VMDK_STREAM_OPTIMIZED.path(), damaged);
    try (FileChannel channel = FileChannel.open(damaged, StandardOpenOption.WRITE)) {
      channel.write(
          ByteBuffer.wrap("garbage".repeat(10).getBytes(StandardCharsets.US_ASCII)),
          channel.size() / 2);
    }
    Path target = out.resolve("disk.raw");
    List<Long> progress = Collections.synchronizedList(new ArrayList<>());

    assertFails(
            ErrorCode.CONVERSION_FAILED,
            () ->
                converter.convert(
                    new ConversionRequest(
                        damaged, Optional.of(DiskFormat.VMDK), target, DiskFormat.RAW),
                    recording(progress)))
        .hasMessageContaining(damaged.toString())
        .hasMessageContaining("could not convert")
        .hasMessageContaining("error while reading");
    assertThat(progress).as("qemu-img had started writing").isNotEmpty().doesNotContain(100L);
    assertThat(listing(out)).containsExactly("damaged.vmdk");
  }

  @Test
  void unsupportedFormatIsNamed() throws Exception {
    Path vdi = out.resolve("disk.vdi");
    QemuImgCli.ok("create", "-f", "vdi", vdi.toString(), "16M");

    assertFails(ErrorCode.CONVERSION_FAILED, () -> converter.inspect(vdi))
        .hasMessageContaining(vdi.toString())
        .hasMessageContaining("'vdi'");
    assertFails(
            ErrorCode.CONVERSION_FAILED,
            () -> converter.convert(request(vdi, out.resolve("disk.raw")), ProgressListener.NONE))
        .hasMessageContaining("'vdi'");
    assertThat(listing(out)).containsExactly("disk.vdi");
  }

  @Test
  void refusesImagesWithABackingFile() throws Exception {
    // A qcow2 header naming a backing file would make qemu-img read that file into the output.
    Path overlay = out.resolve("overlay.qcow2");
    QemuImgCli.ok(
        "create",
        "-f",
        "qcow2",
        "-b",
        Source.RAW.path().toString(),
        "-F",
        "raw",
        overlay.toString());

    assertThat(converter.inspect(overlay).format()).isEqualTo(DiskFormat.QCOW2);
    assertFails(
            ErrorCode.CONVERSION_FAILED,
            () ->
                converter.convert(request(overlay, out.resolve("disk.raw")), ProgressListener.NONE))
        .hasMessageContaining("backing file")
        .hasMessageContaining(Source.RAW.path().toString());
    assertThat(listing(out)).containsExactly("overlay.qcow2");
  }

  @Test
  void missingQemuImgSaysWhatToInstall() throws IOException {
    QemuImgConverter missing = new QemuImgConverter(out.resolve("no-such-dir/qemu-img"));

    assertFails(ErrorCode.NOT_SUPPORTED, () -> missing.inspect(Source.RAW.path()))
        .hasMessageContaining(
            "qemu-img not found; install qemu-utils (apt-get install qemu-utils)");
    assertFails(
            ErrorCode.NOT_SUPPORTED,
            () ->
                missing.convert(
                    request(Source.RAW.path(), out.resolve("disk.qcow2")), ProgressListener.NONE))
        .hasMessageContaining("install qemu-utils");
    assertThat(listing(out)).isEmpty();
  }

  @Test
  void alreadyInterruptedThreadCancelsWithoutStarting() throws IOException {
    Path target = out.resolve("disk.qcow2");
    Thread.currentThread().interrupt();
    try {
      assertFails(
              ErrorCode.CANCELLED,
              () -> converter.convert(request(Source.RAW.path(), target), ProgressListener.NONE))
          .hasMessage("conversion of " + Source.RAW.path() + " cancelled");
      assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag kept").isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(listing(out)).isEmpty();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void interruptStopsQemuImgAndRemovesPartialOutput(@TempDir Path big) throws Exception {
    // 512 MiB of data takes qemu-img more than a second here; we interrupt at its first progress.
    Path source = big.resolve("big.raw");
    writeDataFile(source, 512 * MIB);
    Path target = out.resolve("big.qcow2");
    CountDownLatch running = new CountDownLatch(1);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean interruptKept = new AtomicBoolean();
    Thread worker =
        new Thread(
            () -> {
              try {
                converter.convert(
                    new ConversionRequest(
                        source, Optional.of(DiskFormat.RAW), target, DiskFormat.QCOW2),
                    (done, total) -> running.countDown());
              } catch (Throwable e) {
                thrown.set(e);
                interruptKept.set(Thread.currentThread().isInterrupted());
              }
            },
            "converter-under-test");
    worker.start();

    assertThat(running.await(30, TimeUnit.SECONDS)).as("progress reported").isTrue();
    ProcessHandle qemuImg =
        poll(
            Duration.ofSeconds(10),
            () ->
                ProcessHandle.current()
                    .descendants()
                    .filter(
                        p ->
                            p.info()
                                .commandLine()
                                .filter(
                                    c -> c.contains(" convert ") && c.contains(source.toString()))
                                .isPresent())
                    .findFirst());
    // qemu-img prints 0% before it creates its output; wait for the file so the test shows that
    // cancelling removes it.
    String partial =
        poll(
            Duration.ofSeconds(10),
            () -> listing(out).stream().filter(n -> n.endsWith(".partial")).findFirst());
    assertThat(partial).startsWith("big.qcow2.");
    assertThat(qemuImg.isAlive()).as("still converting when interrupted").isTrue();

    worker.interrupt();
    worker.join(TimeUnit.SECONDS.toMillis(30));

    assertThat(worker.isAlive()).isFalse();
    assertThat(thrown.get())
        .isInstanceOfSatisfying(
            VmImportException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED))
        .hasMessage("conversion of " + source + " cancelled");
    assertThat(interruptKept).isTrue();
    assertThat(qemuImg.isAlive()).as("qemu-img reaped before convert returned").isFalse();
    assertThat(listing(out)).isEmpty();
  }

  private static ConversionRequest request(Path source, Path target) {
    String name = target.getFileName().toString();
    DiskFormat format = DiskFormat.parse(name.substring(name.lastIndexOf('.') + 1), "extension");
    return new ConversionRequest(source, Optional.empty(), target, format);
  }

  private static ProgressListener recording(List<Long> progress) {
    return (done, total) -> {
      assertThat(total).isEqualTo(100);
      progress.add(done);
    };
  }

  private static void assertMonotoneToHundred(List<Long> progress) {
    assertThat(progress)
        .isNotEmpty()
        .isSorted()
        .doesNotHaveDuplicates()
        .allMatch(p -> p >= 0 && p <= 100);
    assertThat(progress.get(progress.size() - 1)).isEqualTo(100);
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertFails(
      ErrorCode code, ThrowingCallable call) {
    return assertThatThrownBy(call)
        .isInstanceOfSatisfying(VmImportException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  private static List<String> listing(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static void writeDataFile(Path file, long size) throws IOException {
    byte[] block = new byte[(int) MIB];
    new Random(1).nextBytes(block);
    ByteBuffer buffer = ByteBuffer.wrap(block);
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long position = 0; position < size; position += block.length) {
        buffer.clear();
        while (buffer.hasRemaining()) {
          channel.write(buffer, position + buffer.position());
        }
      }
    }
  }

  private interface Probe<T> {
    Optional<T> get() throws IOException;
  }

  private static <T> T poll(Duration timeout, Probe<T> probe)
      throws InterruptedException, IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<T> value = probe.get();
      if (value.isPresent()) {
        return value.get();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("nothing found within " + timeout);
      }
      Thread.sleep(10);
    }
  }
}
