package io.vmimport.core.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.convert.ConversionRequest;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.target.ImportTarget;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.core.internal.disk.ExtentSink;
import io.vmimport.core.internal.disk.Qcow2Sink;
import io.vmimport.core.internal.disk.SparseRawSink;
import io.vmimport.core.internal.disk.StreamOptimizedVmdk;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PushbackInputStream;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data path of one disk: its bytes from the source's stream into the target's file, by the
 * {@link FormatRoute} its formats call for. Writes into {@code <file>.partial} and moves it into
 * place only when complete, so that a file at the target's path is always a finished disk.
 */
final class DiskPipeline {
  private static final Logger log = LoggerFactory.getLogger(DiskPipeline.class);
  private static final int FIRST_SECTOR = 512;

  private final EngineServices services;
  private final ImportTarget target;
  private final ImportReporter report;
  private final CancelSignal cancel;

  DiskPipeline(
      EngineServices services, ImportTarget target, ImportReporter report, CancelSignal cancel) {
    this.services = requireNonNull(services, "services is null");
    this.target = requireNonNull(target, "target is null");
    this.report = requireNonNull(report, "report is null");
    this.cancel = requireNonNull(cancel, "cancel is null");
  }

  /**
   * One attempt at bringing a prepared disk from the source into {@code file}; nothing of it is
   * left when it fails.
   *
   * @param transferred bytes read from the source by all disks of the export, for keep-alives; this
   *     attempt's bytes are taken back out when it fails
   * @return the size of the finished file
   */
  long transfer(ExportSession export, TargetDisk disk, Path file, AtomicLong transferred) {
    checkCancelled();
    ImportRef ref = report.ref();
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    Path staged = null;
    long before = transferred.get();
    boolean done = false;
    try {
      Files.createDirectories(file.getParent());
      Files.deleteIfExists(partial);
      Files.deleteIfExists(file);
      DiskStream stream = export.open(disk.source());
      cancel.register(stream);
      try (stream) {
        ProgressMeter meter =
            new ProgressMeter(
                report.listener(),
                ref,
                disk.name(),
                DiskProgress.Stage.EXPORTING,
                stream.length().orElse(-1),
                services.time());
        PushbackInputStream input = new PushbackInputStream(stream.input(), FIRST_SECTOR);
        byte[] first = input.readNBytes(FIRST_SECTOR);
        input.unread(first);
        SparseCopy.Counter counter =
            bytes -> {
              transferred.set(before + bytes);
              meter.update(bytes);
            };
        DiskFormat to = target.diskFormat();
        switch (FormatRoute.choose(stream.format(), to, first)) {
          case SPARSE_COPY -> {
            try (ExtentSink sink = sinkFor(to, partial)) {
              meter.finish(whole(SparseCopy.copy(input, sink, counter), stream, disk));
            }
          }
          case COPY -> meter.finish(whole(SparseCopy.copy(input, partial, counter), stream, disk));
          case STREAM_DECODE -> {
            // decoded on the fly: no staged copy in scratch, no second pass over the data
            DecodeProgress progress = new DecodeProgress(disk, stream, meter, transferred, before);
            try (ExtentSink sink = sinkFor(to, partial)) {
              StreamOptimizedVmdk.decode(input, sink, progress);
            }
            progress.finish();
          }
          case STAGE_AND_CONVERT -> {
            staged = services.scratchFiles().stagedFile(ref, disk.name(), stream.format());
            try (ScratchBudget.Reservation reservation = reserveScratch(disk, stream, staged)) {
              Files.createDirectories(staged.getParent());
              Files.deleteIfExists(staged);
              meter.finish(whole(SparseCopy.copy(input, staged, counter), stream, disk));
              stream.close();
              convert(disk, staged, stream.format(), partial);
              deleteQuietly(staged);
            }
          }
        }
      } finally {
        cancel.unregister(stream);
      }
      move(partial, file);
      done = true;
      return Files.size(file);
    } catch (IOException e) {
      throw translate(e, disk);
    } finally {
      if (staged != null) {
        deleteQuietly(staged);
      }
      if (!done) {
        transferred.set(before);
        deleteQuietly(partial);
      }
    }
  }

  /**
   * {@code copied}, when it is all the stream said it would send: a connection that ends early
   * looks like the end of the data, and a disk cut short must not pass for a converted one.
   *
   * @throws IOException the stream ended before its length (retried as a failed transfer)
   */
  private static long whole(long copied, DiskStream stream, TargetDisk disk) throws IOException {
    if (stream.length().isPresent() && copied != stream.length().getAsLong()) {
      throw new IOException(
          "the source sent "
              + copied
              + " of the "
              + stream.length().getAsLong()
              + " bytes of "
              + disk.source().name());
    }
    return copied;
  }

  /**
   * Progress of a streamOptimized VMDK: by the stream's bytes when its length is known, else (a
   * compressed export of unknown length, as vSphere's) by how far into the disk the decoded grains
   * have come, against the disk's capacity, so that percent, rate and time left are known.
   */
  private final class DecodeProgress implements StreamOptimizedVmdk.ByteCounter {
    private final ProgressMeter meter;
    private final AtomicLong transferred;
    private final long before;
    private final long capacity;
    private final boolean byDisk;
    private long reached;

    DecodeProgress(
        TargetDisk disk,
        DiskStream stream,
        ProgressMeter byStream,
        AtomicLong transferred,
        long before) {
      this.transferred = transferred;
      this.before = before;
      this.capacity = disk.source().capacityBytes();
      this.byDisk = stream.length().isEmpty() && capacity > 0;
      this.meter =
          byDisk
              ? new ProgressMeter(
                  report.listener(),
                  report.ref(),
                  disk.name(),
                  DiskProgress.Stage.EXPORTING,
                  capacity,
                  services.time())
              : byStream;
    }

    @Override
    public void consumed(long bytes) {
      transferred.set(before + bytes);
      if (!byDisk) {
        meter.update(bytes);
      }
    }

    @Override
    public void written(long diskOffset) {
      if (byDisk) {
        reached = Math.min(capacity, Math.max(reached, diskOffset));
        meter.update(reached, transferred.get() - before);
      }
    }

    /** The last event: the whole disk (the grains after the last one written are zeros). */
    void finish() {
      long read = transferred.get() - before;
      meter.finish(byDisk ? capacity : read, read);
    }
  }

  /**
   * Reserves the staged file's size: the stream's length, else the source's allocation, else its
   * capacity.
   */
  private ScratchBudget.Reservation reserveScratch(
      TargetDisk disk, DiskStream stream, Path staged) {
    long needed =
        stream
            .length()
            .orElse(disk.source().allocatedBytes().orElse(disk.source().capacityBytes()));
    return services
        .scratchBudget()
        .reserve(
            disk.name() + " (staged in " + staged.getParent() + ")",
            needed,
            (bytes, free) ->
                report.warn(
                    disk.name()
                        + " waits for scratch space held by other disks: needs "
                        + bytes
                        + " bytes, "
                        + free
                        + " free"));
  }

  private static ExtentSink sinkFor(DiskFormat format, Path file) throws IOException {
    return format == DiskFormat.QCOW2 ? new Qcow2Sink(file) : new SparseRawSink(file);
  }

  private void convert(TargetDisk disk, Path staged, DiskFormat format, Path output) {
    checkCancelled();
    ProgressMeter meter =
        new ProgressMeter(
            report.listener(),
            report.ref(),
            disk.name(),
            DiskProgress.Stage.CONVERTING,
            100,
            services.time());
    services
        .converter()
        .convert(
            new ConversionRequest(staged, Optional.of(format), output, target.diskFormat()),
            (done, total) -> meter.update(done));
    meter.finish(100);
  }

  private VmImportException translate(IOException e, TargetDisk disk) {
    if (cancel.isCancelled()
        || e instanceof ClosedByInterruptException
        || e instanceof InterruptedIOException) {
      return new VmImportException(
          ErrorCode.CANCELLED, "transfer of " + disk.name() + " cancelled", e);
    }
    String message = String.valueOf(e.getMessage());
    if (message.contains("No space left on device")) {
      return new VmImportException(
          ErrorCode.SCRATCH_EXHAUSTED,
          "no space left while writing "
              + disk.name()
              + " (scratch "
              + services.scratchFiles().stagingDir(report.ref())
              + "); free some space or choose another directory",
          e);
    }
    return new VmImportException(
        ErrorCode.EXPORT_FAILED, "transfer of " + disk.name() + " failed: " + e, e);
  }

  private void checkCancelled() {
    if (cancel.isCancelled() || Thread.currentThread().isInterrupted()) {
      throw new VmImportException(ErrorCode.CANCELLED, "import cancelled");
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.error("could not delete {}: {}", file, e.toString());
    }
  }
}
