package io.vmimport.cli;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.guest.GuestConversionPolicy;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.cli.ResourceOptions.ResolvedImport;
import io.vmimport.core.EngineConfig;
import io.vmimport.core.FileCheckpointStore;
import io.vmimport.core.ImportEngine;
import io.vmimport.core.ImportHandle;
import io.vmimport.core.ImportResult;
import io.vmimport.core.RetainingCheckpointStore;
import io.vmimport.target.directory.DirectoryTarget;
import io.vmimport.target.harvester.OfflineHarvesterTarget;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Runs the imports of a file into an output directory. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    header = "Runs VirtualMachineImports into an output directory (resumable).",
    description = {
      "Runs the VirtualMachineImports of the file (all, or the one --import names, one after"
          + " the other): finds the VM, powers it off as the import says, exports and converts"
          + " its disks, and writes them with a VM description (vm.json) to"
          + " <output-dir>/<namespace>/<import-name>/. At the end it prints where each NIC went.",
      "",
      "Resumable: finished disks are recorded in <output-dir>/.<namespace>_<name>.state.json"
          + " with what each was exported from (source, VM id, disk, capacity). Running the same"
          + " command again after a crash, a failure or even a success skips the disks whose files"
          + " are still there with the recorded size and that come from the same source disk; a"
          + " disk of another VM or source is exported again, with a warning. Delete the import's"
          + " folder to import it from scratch.",
      "",
      "Ctrl-C cancels: the partial files, the scratch files and what the export created on the"
          + " source (snapshots, leases, temporary volumes) are removed before vmimport exits"
          + " (it waits up to 60 s for that).",
    },
    footerHeading = ExitCodes.HEADING,
    footer = ExitCodes.FOOTER)
final class ImportCommand implements Callable<Integer> {
  static final Duration CANCEL_WAIT = Duration.ofSeconds(60);

  @Spec CommandSpec spec;

  @Mixin ResourceOptions resources;

  @Mixin StorageClassOption storageClasses;

  @Option(
      names = "--output-dir",
      required = true,
      paramLabel = "DIR",
      description = "Where the disks, vm.json and the resume state go (created if needed).")
  Path outputDir;

  @Option(
      names = "--scratch-dir",
      paramLabel = "DIR",
      description =
          "Where disks are staged when their export format must be converted"
              + " (default: <output-dir>/.scratch).")
  Path scratchDir;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = "qcow2",
      description = "Disk format written: qcow2 or raw (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(
      names = "--parallel-disks",
      paramLabel = "N",
      defaultValue = "4",
      description = "Disks transferred at the same time (default: ${DEFAULT-VALUE}).")
  int parallelDisks;

  @Option(
      names = "--guest-conversion",
      paramLabel = "POLICY",
      defaultValue = "auto",
      description =
          "Whether the guest is converted to boot on virtio (virt-v2v-in-place): auto converts"
              + " a Linux guest whose VM gets virtio disks or NICs, always converts every guest"
              + " (and fails the import when it cannot), never leaves guests as exported. An"
              + " import's annotation vmimport.io/guest-conversion overrides it (default:"
              + " ${DEFAULT-VALUE}).")
  String guestConversion;

  private final AtomicReference<ImportHandle> running = new AtomicReference<>();

  private GuestConversionPolicy guestConversionPolicy() {
    try {
      return GuestConversionPolicy.parse(guestConversion, "--guest-conversion");
    } catch (VmImportException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private final CountDownLatch reported = new CountDownLatch(1);
  private volatile boolean cancelRequested;
  private volatile RetainingCheckpointStore checkpoints;
  private PrintWriter err;

  @Override
  public Integer call() {
    DiskFormat diskFormat = diskFormat();
    if (parallelDisks < 1) {
      throw new ParameterException(
          spec.commandLine(), "--parallel-disks: must be at least 1, not " + parallelDisks);
    }
    PrintWriter out = spec.commandLine().getOut();
    err = spec.commandLine().getErr();
    ResourceFile file = resources.read(err, System.in);
    Path output = outputDir.toAbsolutePath().normalize();
    Path scratch =
        scratchDir != null ? scratchDir.toAbsolutePath().normalize() : output.resolve(".scratch");
    EngineConfig config =
        EngineConfig.builder(scratch)
            .maxParallelDisks(parallelDisks)
            .guestConversion(guestConversionPolicy())
            .build();
    OfflineHarvesterTarget target =
        new OfflineHarvesterTarget(
            new DirectoryTarget(output, diskFormat), storageClasses.storage());
    checkpoints = new RetainingCheckpointStore(new FileCheckpointStore(output));
    Thread hook = new Thread(this::cancelOnShutdown, "vmimport-cancel");
    try (ImportEngine engine = EngineFactory.create(config, checkpoints)) {
      // every bad input is reported here, before anything is written
      List<ResolvedImport> imports = resources.resolve(file, engine.providers());
      ProgressReporter progress = ProgressReporter.create(out, err);
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        return runAll(engine, target, imports, progress, out);
      } finally {
        reported.countDown();
        removeHook(hook);
        if (scratchDir == null) {
          removeIfEmpty(scratch);
        }
      }
    }
  }

  private DiskFormat diskFormat() {
    return switch (format.toLowerCase(Locale.ROOT)) {
      case "qcow2" -> DiskFormat.QCOW2;
      case "raw" -> DiskFormat.RAW;
      default ->
          throw new ParameterException(
              spec.commandLine(), "--format: '" + format + "' is not one of [qcow2, raw]");
    };
  }

  private int runAll(
      ImportEngine engine,
      OfflineHarvesterTarget target,
      List<ResolvedImport> imports,
      ProgressReporter progress,
      PrintWriter out) {
    int exit = ExitCodes.SUCCESS;
    int failed = 0;
    for (ResolvedImport resolved : imports) {
      if (cancelRequested) {
        exit = ExitCodes.CANCELLED;
        break;
      }
      ImportHandle handle = engine.start(resolved.request(), target, progress);
      running.set(handle);
      if (cancelRequested) {
        // Ctrl-C came between the check above and start(): the hook saw no handle
        cancel(handle);
      }
      try {
        ImportResult result = awaitEnd(handle);
        progress.finish();
        printResult(out, result, target.importDir(result.ref()));
      } catch (VmImportException e) {
        progress.finish();
        failed++;
        printFailure(ResourceOptions.about(resolved.described(), e));
        int code = ExitCodes.of(e);
        if (code == ExitCodes.CANCELLED) {
          exit = code;
          break;
        }
        exit = exit == ExitCodes.SUCCESS ? code : exit;
      } finally {
        running.set(null);
      }
    }
    if (imports.size() > 1 && failed > 0) {
      err.println(failed + " of " + imports.size() + " imports did not finish");
      err.flush();
    }
    return exit;
  }

  /** Waits for an import; if this thread is interrupted, cancels it and waits for its cleanup. */
  private ImportResult awaitEnd(ImportHandle handle) {
    try {
      return handle.await();
    } catch (InterruptedException e) {
      cancelRequested = true;
      cancel(handle);
      // the bounded wait for the cleanup must block: clear the interrupt, restore it after
      Thread.interrupted();
      try {
        return handle.await(CANCEL_WAIT);
      } catch (InterruptedException again) {
        throw new VmImportException(ErrorCode.CANCELLED, "import cancelled", again);
      } finally {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void cancel(ImportHandle handle) {
    handle.cancel();
  }

  /**
   * The shutdown hook (Ctrl-C, SIGTERM): cancels the running import and keeps the JVM alive until
   * its cleanup is done and the outcome is printed, at most {@link #CANCEL_WAIT}.
   */
  void cancelOnShutdown() {
    cancelRequested = true;
    long deadline = System.nanoTime() + CANCEL_WAIT.toNanos();
    ImportHandle handle = running.get();
    try {
      if (handle != null && !handle.isDone()) {
        err.println(
            TerminalText.escape(
                "cancelling "
                    + handle.ref()
                    + ": removing partial files and source artifacts (waiting up to "
                    + CANCEL_WAIT.toSeconds()
                    + " s)..."));
        err.flush();
        cancel(handle);
        try {
          handle.await(CANCEL_WAIT);
        } catch (VmImportException e) {
          // await's own TIMEOUT, not an import that failed with that code
          if (e.code() == ErrorCode.TIMEOUT && !handle.isDone()) {
            err.println(
                TerminalText.escape(
                    "the cleanup of "
                        + handle.ref()
                        + " did not end within "
                        + CANCEL_WAIT.toSeconds()
                        + " s; exiting anyway. Run the import again and cancel it to clean up."));
            err.flush();
            return;
          }
          // the expected CANCELLED (or another failure): the command thread reports it
        }
      }
      long left = Math.max(0, deadline - System.nanoTime());
      reported.await(left, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * What the import wrote and what to do next. Nothing exists in a cluster yet, and the lines say
   * so: the phase is upstream's name for the step, not a claim that a VM was created.
   */
  private void printResult(PrintWriter out, ImportResult result, Path dir) {
    out.println(
        TerminalText.escape(
            result.ref()
                + ": "
                + result.phase().wireValue()
                + ": written to "
                + dir
                + "; nothing is created in a cluster yet"));
    for (PublishedImage image : result.images()) {
      out.println(TerminalText.escape("  " + image.diskName() + ": " + image.location()));
    }
    out.println(TerminalText.escape("  VM description: " + result.vmLocation()));
    out.println(
        TerminalText.escape(
            "  manifests: "
                + dir.resolve(OfflineHarvesterTarget.IMAGES_FILE)
                + ", "
                + dir.resolve(OfflineHarvesterTarget.MANIFESTS_FILE)));
    NicPlacement.lines(result.vm()).forEach(line -> out.println(TerminalText.escape("  " + line)));
    out.println(
        TerminalText.escape(
            "  next: vmimport serve "
                + dir
                + ", then the kubectl commands in "
                + dir.resolve(OfflineHarvesterTarget.README_FILE)));
    out.flush();
  }

  private void printFailure(VmImportException e) {
    err.println(ExitCodes.message(e));
    Throwable original = e.getCause() != null ? e.getCause() : e;
    for (Throwable suppressed : original.getSuppressed()) {
      err.println(TerminalText.escape("  also: " + suppressed.getMessage()));
    }
    err.flush();
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down (Ctrl-C) and the hook is running: nothing to remove
    }
  }

  /**
   * The default scratch folder is ours: leave no empty folder behind. Imports leave their
   * namespace's folder in it (another import may be using it), so empty folders go too; a file
   * stays, and is reported.
   */
  private void removeIfEmpty(Path scratch) {
    if (!Files.exists(scratch)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(scratch)) {
      List<Path> deepestFirst = paths.sorted(Comparator.reverseOrder()).toList();
      if (deepestFirst.stream().anyMatch(path -> !Files.isDirectory(path))) {
        err.println(TerminalText.escape("note: scratch files remain in " + scratch));
        return;
      }
      for (Path dir : deepestFirst) {
        Files.delete(dir);
      }
    } catch (IOException | UncheckedIOException e) {
      err.println(TerminalText.escape("note: could not remove " + scratch + ": " + e));
    }
  }
}
