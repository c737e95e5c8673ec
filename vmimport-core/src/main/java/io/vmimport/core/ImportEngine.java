package io.vmimport.core;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.ScratchFiles;
import io.vmimport.api.VmImportException;
import io.vmimport.api.convert.DiskConverter;
import io.vmimport.api.event.ImportListener;
import io.vmimport.api.guest.GuestConverter;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmLocator;
import io.vmimport.api.target.ImportTarget;
import io.vmimport.core.internal.CancelSignal;
import io.vmimport.core.internal.CheckpointJournal;
import io.vmimport.core.internal.EngineServices;
import io.vmimport.core.internal.ImportRun;
import io.vmimport.core.internal.Retrier;
import io.vmimport.core.internal.RunningImports;
import io.vmimport.core.internal.ScratchBudget;
import io.vmimport.core.internal.SourceCleanup;
import io.vmimport.core.internal.SourceHostSlots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs VM imports end to end against any source provider and any target. Thread-safe: several
 * imports may run at once; their disk transfers share a pool of {@link
 * EngineConfig#maxParallelDisks()} threads. The target is the caller's: core holds none (the
 * directory target is the module {@code target-directory}, Harvester's {@code harvester-target}).
 *
 * <pre>{@code
 * try (ImportEngine engine = ImportEngine.create(EngineConfig.builder(scratch).build())) {
 *   ImportResult result = engine.run(request, new DirectoryTarget(out, DiskFormat.QCOW2), listener);
 * }
 * }</pre>
 */
public final class ImportEngine implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ImportEngine.class);

  private final EngineServices services;

  /**
   * An engine with the guest converter found on the class path, if any ({@link GuestConverters}).
   */
  public ImportEngine(
      ProviderRegistry providers,
      DiskConverter converter,
      CheckpointStore checkpoints,
      EngineConfig config,
      TimeSource time) {
    this(providers, converter, GuestConverters.load(), checkpoints, config, time);
  }

  /**
   * @param guestConverter converts guests to boot on virtio; empty when none is installed (imports
   *     then say so in their {@code GuestConverted} condition)
   */
  public ImportEngine(
      ProviderRegistry providers,
      DiskConverter converter,
      Optional<GuestConverter> guestConverter,
      CheckpointStore checkpoints,
      EngineConfig config,
      TimeSource time) {
    this(providers, converter, guestConverter, checkpoints, config, time, Optional.empty());
  }

  /**
   * @param diskWorkers runs the disk work of every import (export, guest conversion, serving) in
   *     workers outside this process; empty: in this process. With workers, the target must be a
   *     {@link io.vmimport.api.target.RemoteImageTarget}
   */
  public ImportEngine(
      ProviderRegistry providers,
      DiskConverter converter,
      Optional<GuestConverter> guestConverter,
      CheckpointStore checkpoints,
      EngineConfig config,
      TimeSource time,
      Optional<DiskWorkers> diskWorkers) {
    requireNonNull(config, "config is null");
    this.services =
        new EngineServices(
            requireNonNull(providers, "providers is null"),
            requireNonNull(converter, "converter is null"),
            requireNonNull(checkpoints, "checkpoints is null"),
            config,
            requireNonNull(time, "time is null"),
            new Retrier(config),
            Executors.newFixedThreadPool(config.maxParallelDisks(), daemon("vmimport-disk")),
            Executors.newSingleThreadScheduledExecutor(daemon("vmimport-keepalive")),
            ScratchBudget.forDirectory(config.scratchDir(), config.scratchCapacityBytes()),
            new ScratchFiles(config.scratchDir()),
            new RunningImports(),
            new SourceHostSlots(config.maxExportsPerSourceHost()),
            requireNonNull(guestConverter, "guestConverter is null"),
            requireNonNull(diskWorkers, "diskWorkers is null"));
  }

  /**
   * An engine with the providers and the disk converter found on the class path, and checkpoints
   * kept in memory.
   */
  public static ImportEngine create(EngineConfig config) {
    return new ImportEngine(
        ProviderRegistry.load(),
        Converters.load(),
        new InMemoryCheckpointStore(),
        config,
        TimeSource.SYSTEM);
  }

  /**
   * Runs one import to its end in the calling thread. Interrupting the thread cancels it.
   *
   * <p>An import whose source VM, or whose target VM (namespace and name), another import of this
   * engine is working on is refused as invalid ({@code INVALID_SPEC}, naming the other import)
   * before anything is powered off or exported; it may run once the other has ended.
   *
   * @throws io.vmimport.api.VmImportException why the import failed; {@code retryable()} says
   *     whether running it again may help (finished disks are not transferred again)
   */
  public ImportResult run(ImportRequest request, ImportTarget target, ImportListener listener) {
    CancelSignal cancel = new CancelSignal();
    cancel.bind(Thread.currentThread());
    return new ImportRun(request, target, listener, services, cancel).execute();
  }

  /** Starts one import in a new thread. */
  public ImportHandle start(ImportRequest request, ImportTarget target, ImportListener listener) {
    CancelSignal cancel = new CancelSignal();
    CompletableFuture<ImportResult> result = new CompletableFuture<>();
    ImportRun run = new ImportRun(request, target, listener, services, cancel);
    Thread thread =
        new Thread(
            () -> {
              try {
                result.complete(run.execute());
              } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
              }
            },
            "vmimport-" + request.ref());
    thread.setDaemon(true);
    cancel.bind(thread);
    ImportHandle handle = new ImportHandle(request.ref(), result, cancel);
    thread.start();
    return handle;
  }

  /**
   * Checks everything the import needs (spec, source, VM, networks, target) without changing
   * anything. An empty list, or warnings only, means the import can run.
   */
  public List<ValidationIssue> validate(ImportRequest request, ImportTarget target) {
    return validate(request, target, ImportListener.NONE);
  }

  /**
   * Checks an import as {@link #validate(ImportRequest, ImportTarget)}, and when it has no errors
   * reports the target VM it would create to {@link ImportListener#planned} (where each NIC goes,
   * for instance).
   */
  public List<ValidationIssue> validate(
      ImportRequest request, ImportTarget target, ImportListener listener) {
    return new ImportRun(request, target, listener, services, new CancelSignal()).validate();
  }

  /**
   * Removes what an import that no longer runs left behind, e.g. after its process was killed and
   * its import deleted: what the dead process's export still held on {@code source} (an export
   * lease, a snapshot, a temporary volume, as its checkpoint lists them), files staged in scratch,
   * its checkpoint, and what {@code target} created for it.
   *
   * @throws VmImportException the source could not be reached or could not remove them (the
   *     checkpoint keeps them for another try), or the target could not remove its objects
   */
  public void discard(ImportRef ref, SourceSpec source, ImportTarget target) {
    discard(ref, source, target, ImportListener.NONE);
  }

  /**
   * As {@link #discard(ImportRef, SourceSpec, ImportTarget)}, telling {@code listener} of every
   * artifact the checkpoint lists that the source left in place because it is not this import's (it
   * does not carry the import's uid): a {@link ImportListener#warning} naming it.
   */
  public void discard(
      ImportRef ref, SourceSpec source, ImportTarget target, ImportListener listener) {
    CheckpointJournal journal = new CheckpointJournal(services.checkpoints(), ref);
    if (!journal.leftovers().isEmpty()) {
      try (SourceSession session = openSession(source)) {
        new SourceCleanup(
                services.retrier(),
                services.time(),
                services.config().cleanupTimeout(),
                ref,
                journal,
                new CancelSignal())
            .releaseLeftovers(session.exporter(), listener);
      }
    }
    discard(ref, target);
  }

  /**
   * Removes what an import that no longer runs left behind, as {@link #discard(ImportRef,
   * SourceSpec, ImportTarget)}, when its source cannot be reached any more: what its export still
   * held there is logged, to be removed by hand.
   *
   * @throws VmImportException the target could not remove its objects
   */
  public void discard(ImportRef ref, ImportTarget target) {
    CheckpointJournal journal = new CheckpointJournal(services.checkpoints(), ref);
    List<SourceArtifact> leftovers = journal.leftovers();
    if (!leftovers.isEmpty()) {
      log.warn(
          "{}: an earlier run left these on the source, and the source is not known here;"
              + " remove them by hand: {}",
          ref,
          leftovers);
    }
    services.diskWorkers().ifPresent(workers -> workers.discard(ref));
    target.discard(ref);
    journal.discard();
    try {
      services.scratchFiles().removeStaging(ref);
    } catch (IOException | UncheckedIOException e) {
      throw new VmImportException(
          ErrorCode.CLEANUP_FAILED,
          "cannot remove " + services.scratchFiles().stagingDir(ref) + ": " + e,
          e,
          true);
    }
  }

  /** Checks that a source is reachable and correctly configured ({@code clusterReady}). */
  public List<ValidationIssue> checkSource(SourceSpec source) {
    try (SourceSession session = openSession(source)) {
      return services
          .retrier()
          .call("checking source " + source.name(), () -> session.validator().checkSource());
    }
  }

  /** Describes one VM of a source. */
  public SourceVm inspect(SourceSpec source, VmLocator vm) {
    try (SourceSession session = openSession(source)) {
      return services.retrier().call("looking up VM " + vm, () -> session.inventory().describe(vm));
    }
  }

  public ProviderRegistry providers() {
    return services.providers();
  }

  private SourceSession openSession(SourceSpec source) {
    return services
        .retrier()
        .call(
            "connecting to source " + source.namespace() + "/" + source.name(),
            () -> services.providers().forKind(source.kind()).open(source));
  }

  /** Stops the engine's threads; imports still running are interrupted. */
  @Override
  public void close() {
    services.diskExecutor().shutdownNow();
    services.scheduler().shutdownNow();
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
