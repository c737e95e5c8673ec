package io.vmimport.converter.qemu;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.convert.ConversionRequest;
import io.vmimport.api.convert.DiskConverter;
import io.vmimport.api.convert.DiskInfo;
import io.vmimport.api.convert.ProgressListener;
import io.vmimport.api.model.DiskFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DiskConverter} that runs {@code qemu-img} (Debian's qemu-utils).
 *
 * <p>Before converting, the source is inspected and, where its format supports it, checked with
 * {@code qemu-img check}: qemu-img reads a truncated qcow2 or sparse VMDK as zeros and would
 * otherwise "convert" it without an error. Images with a backing file are refused, because
 * converting one reads whatever file the image names, which for an uploaded image can be any file
 * on this host. The output is written beside the target under a temporary name and renamed into
 * place only when complete, so the target existing means the conversion finished.
 */
public final class QemuImgConverter implements DiskConverter {
  private static final Logger log = LoggerFactory.getLogger(QemuImgConverter.class);

  // Exit codes of qemu-img check, from its manual.
  private static final int CHECK_OK = 0;
  private static final int CHECK_LEAKS_ONLY = 3;
  private static final int CHECK_NOT_SUPPORTED = 63;

  private static final int CHECK_REPORT_LINES = 4;

  private final String executable;

  /** Uses {@code qemu-img} from {@code PATH}. */
  public QemuImgConverter() {
    this.executable = "qemu-img";
  }

  /** Uses the {@code qemu-img} executable at {@code executable}. */
  public QemuImgConverter(Path executable) {
    this.executable = requireNonNull(executable, "executable is null").toString();
  }

  @Override
  public DiskInfo inspect(Path image) {
    requireNonNull(image, "image is null");
    Path absolute = image.toAbsolutePath();
    return info(absolute, List.of(), "inspection").toDiskInfo(absolute);
  }

  @Override
  public void convert(ConversionRequest request, ProgressListener progress) {
    requireNonNull(request, "request is null");
    requireNonNull(progress, "progress is null");
    Path source = request.source().toAbsolutePath();
    Path target = request.target().toAbsolutePath();
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new VmImportException(
          ErrorCode.CONVERSION_FAILED,
          "cannot convert "
              + source
              + ": target "
              + target
              + " already exists; not overwriting it");
    }

    // With the format given, qemu-img does not probe: a raw disk whose guest wrote a qcow2 header
    // into its first sector stays raw.
    List<String> formatOption =
        request.sourceFormat().map(f -> List.of("-f", f.id())).orElse(List.of());
    QemuImgInfo info = info(source, formatOption, "conversion");
    DiskFormat sourceFormat = info.diskFormat(source);
    if (info.backingFile().isPresent()) {
      throw new VmImportException(
          ErrorCode.CONVERSION_FAILED,
          "cannot convert "
              + source
              + ": it has a backing file ("
              + info.backingFile().get()
              + "); vmimport converts self-contained images only");
    }
    check(source, sourceFormat);

    Path partial = partialPath(target);
    QemuImgProgress reporter = new QemuImgProgress(progress);
    long started = System.nanoTime();
    try {
      convert(source, sourceFormat, partial, request.targetFormat(), reporter);
      moveIntoPlace(source, partial, target);
    } catch (RuntimeException | Error e) {
      removePartial(partial, e);
      throw e;
    }
    log.debug(
        "converted {} ({}) to {} ({}) in {} ms",
        source,
        sourceFormat.id(),
        target,
        request.targetFormat().id(),
        (System.nanoTime() - started) / 1_000_000);
    reporter.complete();
  }

  private QemuImgInfo info(Path image, List<String> formatOption, String operation) {
    List<String> args = new ArrayList<>(List.of("info", "--output=json"));
    args.addAll(formatOption);
    args.add(image.toString());
    StringBuilder json = new StringBuilder();
    Outcome outcome = run(operation, image, args, line -> json.append(line).append('\n'));
    if (outcome.exitCode() != 0) {
      throw new VmImportException(
          ErrorCode.CONVERSION_FAILED,
          "qemu-img cannot read "
              + image
              + " (exit "
              + outcome.exitCode()
              + "): "
              + outcome.stderr().joined());
    }
    return QemuImgInfo.parse(json.toString(), image);
  }

  private void check(Path source, DiskFormat format) {
    if (format == DiskFormat.RAW) {
      // Raw has no metadata to check; qemu-img would only answer "not supported".
      return;
    }
    LineTail report = new LineTail(CHECK_REPORT_LINES);
    Outcome outcome =
        run(
            "conversion",
            source,
            List.of("check", "-f", format.id(), source.toString()),
            report::add);
    switch (outcome.exitCode()) {
      case CHECK_OK, CHECK_NOT_SUPPORTED -> {}
      case CHECK_LEAKS_ONLY ->
          // Leaked clusters waste space in the source but do not change what the guest reads.
          log.debug("{} has leaked clusters; converting it anyway", source);
      default ->
          throw new VmImportException(
              ErrorCode.CONVERSION_FAILED,
              source
                  + " is corrupt or unreadable (qemu-img check exit "
                  + outcome.exitCode()
                  + "): "
                  + report.joined()
                  + (outcome.stderr().lines().isEmpty() ? "" : "; " + outcome.stderr().joined()));
    }
  }

  private void convert(
      Path source,
      DiskFormat sourceFormat,
      Path partial,
      DiskFormat targetFormat,
      QemuImgProgress reporter) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "convert",
                "-p",
                "-f",
                sourceFormat.id(),
                "-O",
                targetFormat.id(),
                // Zero runs of 4 KiB or more are skipped, not written: sparse raw, compact qcow2.
                "-S",
                "4k"));
    if (targetFormat == DiskFormat.VPC) {
      // Otherwise qemu-img rounds the size up to a CHS geometry and the guest's disk grows.
      args.addAll(List.of("-o", "force_size=on"));
    }
    if (targetFormat == DiskFormat.RAW) {
      // Out-of-order writes only change the order in which blocks of a fresh sparse file are
      // filled, which raw does not care about; formats with allocation tables would fragment.
      args.add("-W");
    }
    args.add(source.toString());
    args.add(partial.toString());
    Outcome outcome = run("conversion", source, args, reporter::accept);
    if (outcome.exitCode() != 0 && outcome.stderr().joined().contains("No space left on device")) {
      throw new VmImportException(
          ErrorCode.SCRATCH_EXHAUSTED,
          "no space left on the file system of "
              + partial.getParent()
              + " while converting "
              + source
              + "; free space there or write the output elsewhere");
    }
    if (outcome.exitCode() != 0) {
      throw new VmImportException(
          ErrorCode.CONVERSION_FAILED,
          "qemu-img could not convert "
              + source
              + " to "
              + targetFormat.id()
              + " (exit "
              + outcome.exitCode()
              + "): "
              + outcome.stderr().joined());
    }
  }

  private static void moveIntoPlace(Path source, Path partial, Path target) {
    // Checked again because the conversion took a while; ATOMIC_MOVE would replace a target that
    // appeared meanwhile.
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new VmImportException(
          ErrorCode.CONVERSION_FAILED,
          "cannot convert "
              + source
              + ": target "
              + target
              + " appeared during the conversion; not overwriting it");
    }
    try {
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.CONVERSION_FAILED, "cannot rename " + partial + " to " + target, e);
    }
  }

  /**
   * A name beside the target, so the final rename stays on one file system. Random so that two
   * attempts never write the same file; leftovers of a crash are the scratch directory's to clean.
   */
  private static Path partialPath(Path target) {
    return target.resolveSibling(
        String.format(
            "%s.%08x.partial", target.getFileName(), ThreadLocalRandom.current().nextInt()));
  }

  private static void removePartial(Path partial, Throwable failure) {
    try {
      Files.deleteIfExists(partial);
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  private record Outcome(int exitCode, LineTail stderr) {}

  /**
   * Runs qemu-img with {@code args}, passing each stdout line to {@code stdoutLines} on this
   * thread. Paths are absolute so that qemu-img never reads a file name as an option or as a
   * protocol such as {@code nbd:} or {@code json:}.
   */
  private Outcome run(
      String operation, Path image, List<String> args, Consumer<String> stdoutLines) {
    if (Thread.currentThread().isInterrupted()) {
      throw cancelled(operation, image, null);
    }
    List<String> command = new ArrayList<>(args.size() + 1);
    command.add(executable);
    command.addAll(args);
    try (QemuImgProcess process =
        QemuImgProcess.start(command, "qemu-img " + args.get(0) + " of " + image)) {
      for (Optional<String> line = process.nextLine();
          line.isPresent();
          line = process.nextLine()) {
        stdoutLines.accept(line.get());
      }
      return new Outcome(process.waitFor(), process.stderr());
    } catch (InterruptedException e) {
      // The process is stopped and reaped by close() before we get here.
      Thread.currentThread().interrupt();
      throw cancelled(operation, image, e);
    }
  }

  private static VmImportException cancelled(String operation, Path image, Throwable cause) {
    return new VmImportException(
        ErrorCode.CANCELLED, operation + " of " + image + " cancelled", cause);
  }
}
