package io.vmimport.examples.directory;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.CleanupStep;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.Preparation;
import io.vmimport.api.source.SourceArtifact;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One export of a VM folder's disks. Each disk reports "copying" once before it is ready, as a
 * source that stages disks (a snapshot, a temporary volume) would, so that callers exercise their
 * polling. Ending the export takes two steps, the way a source that must wait for something before
 * it can delete it ends in several: the first closes the streams still open, the second removes the
 * lease. Neither waits: core calls again.
 */
final class DirectoryExportSession implements ExportSession {
  private static final Logger log = LoggerFactory.getLogger(DirectoryExportSession.class);
  private static final Duration STAGING_TIME = Duration.ofMillis(50);

  private final VmFolder folder;
  private final SourceVm vm;
  private final String leaseToken;
  private final Set<String> staging = ConcurrentHashMap.newKeySet();
  private final Set<String> ready = ConcurrentHashMap.newKeySet();
  private final Set<InputStream> openStreams = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final AtomicBoolean leaseRemoved = new AtomicBoolean();

  DirectoryExportSession(VmFolder folder, SourceVm vm, String leaseToken) {
    this.folder = requireNonNull(folder, "folder is null");
    this.vm = requireNonNull(vm, "vm is null");
    this.leaseToken = requireNonNull(leaseToken, "leaseToken is null");
  }

  @Override
  public Preparation prepare(SourceDisk disk) {
    requireActive();
    requireDiskOfVm(disk);
    if (staging.add(disk.key())) {
      return Preparation.pending(STAGING_TIME, "copying");
    }
    ready.add(disk.key());
    return Preparation.ready();
  }

  @Override
  public DiskStream open(SourceDisk disk) {
    requireActive();
    requireDiskOfVm(disk);
    if (!ready.contains(disk.key())) {
      throw new VmImportException(
          ErrorCode.INTERNAL,
          "disk " + disk.key() + " of VM '" + vm.name() + "' opened before prepare() said ready");
    }
    Path file = folder.diskFile(disk);
    try {
      long length = Files.size(file);
      InputStream input = Files.newInputStream(file);
      synchronized (this) {
        // an end() that ran meanwhile would not close this stream, so refuse it
        if (ended.get()) {
          input.close();
          requireActive();
        }
        openStreams.add(input);
      }
      return new DiskStream(
          input, DiskImageFile.formatOf(file.getFileName().toString()), OptionalLong.of(length));
    } catch (NoSuchFileException e) {
      throw new VmImportException(ErrorCode.NOT_FOUND, "disk file " + file + " is gone", e);
    } catch (IOException e) {
      throw new VmImportException(ErrorCode.EXPORT_FAILED, "cannot open " + file, e);
    }
  }

  @Override
  public CleanupStep completeStep() {
    return endStep();
  }

  @Override
  public CleanupStep abortStep() {
    return endStep();
  }

  /** The lease until it is removed: a process that dies first leaves it for the next to release. */
  @Override
  public List<SourceArtifact> artifacts() {
    return leaseRemoved.get()
        ? List.of()
        : List.of(DirectoryDiskExporter.lease(vm.name(), leaseToken));
  }

  /**
   * Ends the export: first closes what is open, then removes the lease. Safe to call again, e.g. an
   * abort after a completion.
   */
  private CleanupStep endStep() {
    boolean first;
    synchronized (this) {
      first = !ended.getAndSet(true);
    }
    if (first) {
      closeStreams();
      return CleanupStep.pending(Duration.ZERO, "disk streams closed; the lease is next");
    }
    removeLease();
    return CleanupStep.done();
  }

  private void closeStreams() {
    IOException closeFailure = null;
    for (InputStream input : openStreams) {
      try {
        input.close();
        openStreams.remove(input);
      } catch (IOException e) {
        if (closeFailure == null) {
          closeFailure = e;
        } else {
          closeFailure.addSuppressed(e);
        }
      }
    }
    if (closeFailure != null) {
      throw new VmImportException(
          ErrorCode.CLEANUP_FAILED,
          "export of VM '"
              + vm.name()
              + "': could not close "
              + openStreams.size()
              + " disk streams",
          closeFailure);
    }
  }

  private void removeLease() {
    Path lease = folder.leaseFile();
    try {
      if (folder.removeLease(leaseToken)) {
        log.debug("export lease {} removed", lease);
      } else {
        log.debug("export lease {} already removed, or taken over by a newer export", lease);
      }
      leaseRemoved.set(true);
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.CLEANUP_FAILED, "export of VM '" + vm.name() + "': " + lease + " remains", e);
    }
  }

  private void requireActive() {
    if (ended.get()) {
      throw new VmImportException(
          ErrorCode.INTERNAL, "export of VM '" + vm.name() + "' has already ended");
    }
  }

  private void requireDiskOfVm(SourceDisk disk) {
    boolean known = vm.disks().stream().anyMatch(own -> own.key().equals(disk.key()));
    if (!known) {
      throw new VmImportException(
          ErrorCode.NOT_FOUND, "VM '" + vm.name() + "' has no disk " + disk.key());
    }
  }
}
