package io.vmimport.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.ImportPhase;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.model.Cpu;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceRef;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.core.fake.CopyingConverter;
import io.vmimport.core.fake.FakeSource;
import io.vmimport.core.fake.FakeTarget;
import io.vmimport.core.fake.FakeTime;
import io.vmimport.core.fake.RecordingListener;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A streamOptimized VMDK export (what vSphere's NFC sends) is decoded on the fly into the target
 * format: nothing is staged in scratch and qemu-img is not needed. Checked with qemu-img.
 */
class StreamingImportIT {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(
      value = DiskFormat.class,
      names = {"QCOW2", "RAW"})
  void streamOptimizedVmdkGoesStraightIntoTheTargetFormat(DiskFormat format) throws Exception {
    Path raw = dir.resolve("source.raw");
    run("qemu-img", "create", "-q", "-f", "raw", raw.toString(), "128M");
    run("dd", "if=/dev/urandom", "of=" + raw, "bs=1M", "count=6", "seek=40", "conv=notrunc");
    FakeTime time = new FakeTime();
    FakeSource source = sourceOf(time, streamOptimized(raw), 128 << 20);
    FakeTarget target = new FakeTarget(dir.resolve("out"));
    target.format = format;
    CopyingConverter converter = new CopyingConverter();
    ImportRef ref = new ImportRef("default", "app", "uid-app");
    try (ImportEngine engine = engine(source, converter, time)) {
      ImportResult result = engine.run(request(ref), target, new RecordingListener());

      assertThat(result.phase()).isEqualTo(ImportPhase.VM_RUNNING);
      assertThat(converter.conversions).as("no qemu-img pass").isEmpty();
      assertThat(dir.resolve("scratch")).as("nothing staged").doesNotExist();
      Path out = target.diskPath(ref, result.vm().disks().get(0));
      run("qemu-img", "compare", "-f", format.id(), "-F", "raw", out.toString(), raw.toString());
    }
  }

  /**
   * Issue #14: vSphere's export stream has no length; its progress used to read "exporting 128.5
   * KiB (size unknown)". It is now measured by how far into the disk the grains have come, against
   * the disk's capacity, so the user sees percent, rate and time left.
   */
  @Test
  void aStreamOfUnknownLengthReportsProgressAgainstTheDisksCapacity() throws Exception {
    Path raw = dir.resolve("source.raw");
    run("qemu-img", "create", "-q", "-f", "raw", raw.toString(), "64M");
    for (int mib : new int[] {2, 30, 60}) {
      run("dd", "if=/dev/urandom", "of=" + raw, "bs=1M", "count=1", "seek=" + mib, "conv=notrunc");
    }
    FakeTime time = new FakeTime();
    byte[] content = streamOptimized(raw);
    FakeSource source = sourceOf(time, content, 64 << 20);
    source.streamLengthKnown = false;
    // the fake clock moves a second per read, so the throttled meter reports along the way
    source.streamOverride =
        disk ->
            new FilterInputStream(new ByteArrayInputStream(content)) {
              @Override
              public int read(byte[] b, int off, int len) throws IOException {
                time.advance(Duration.ofSeconds(1));
                return super.read(b, off, Math.min(len, 64 << 10));
              }
            };
    FakeTarget target = new FakeTarget(dir.resolve("out"));
    target.format = DiskFormat.RAW;
    RecordingListener listener = new RecordingListener();
    try (ImportEngine engine = engine(source, new CopyingConverter(), time)) {
      engine.run(request(new ImportRef("default", "app", "uid-app")), target, listener);
    }

    List<DiskProgress> exporting =
        listener.progress.stream().filter(p -> p.stage() == DiskProgress.Stage.EXPORTING).toList();
    assertThat(exporting).as("progress events").hasSizeGreaterThan(2);
    assertThat(exporting).allSatisfy(p -> assertThat(p.total()).isEqualTo(64L << 20));
    assertThat(exporting)
        .extracting(DiskProgress::done)
        .as("how far into the disk, never back")
        .isSorted()
        .contains(64L << 20)
        .anySatisfy(done -> assertThat(done).isBetween(3L << 20, 62L << 20));
    assertThat(exporting.get(exporting.size() - 1).bytesPerSecond()).isPositive();
    assertThat(exporting.get(exporting.size() - 1).sourceBytes())
        .as("what a transfer counter adds up: the stream's bytes, not the disk's")
        .isEqualTo(content.length);
  }

  /** The raw image as qemu-img writes a streamOptimized VMDK (as vSphere exports one). */
  private byte[] streamOptimized(Path raw) throws Exception {
    Path vmdk = dir.resolve("source.vmdk");
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
    return Files.readAllBytes(vmdk);
  }

  /** A powered-off VM with one disk of {@code capacity} whose export is {@code vmdk}. */
  private static FakeSource sourceOf(FakeTime time, byte[] vmdk, long capacity) {
    FakeSource source =
        new FakeSource(
            time,
            new SourceVm(
                "vm-1",
                "app",
                new Cpu(2, 1),
                2048,
                Firmware.BIOS,
                List.of(SourceDisk.of(0, "d0", "app.vmdk", capacity)),
                List.of(),
                Optional.empty(),
                Optional.empty()));
    source.power = PowerState.OFF;
    source.exportFormat = DiskFormat.VMDK;
    source.diskContent.put("d0", vmdk);
    return source;
  }

  private ImportEngine engine(FakeSource source, CopyingConverter converter, FakeTime time) {
    return new ImportEngine(
        new ProviderRegistry(List.of(source)),
        converter,
        new InMemoryCheckpointStore(),
        EngineConfig.builder(dir.resolve("scratch")).pollInterval(Duration.ofMillis(1)).build(),
        time);
  }

  private static ImportRequest request(ImportRef ref) {
    return new ImportRequest(
        ref,
        ImportSpec.builder(
                new SourceRef("migration.harvesterhci.io/v1beta1", "FakeSource", "s", "default"),
                "app")
            .build(),
        new SourceSpec("fake", "default", "s", Map.of(), Credentials.NONE));
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
  }
}
