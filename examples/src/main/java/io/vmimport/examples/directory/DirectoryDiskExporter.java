package io.vmimport.examples.directory;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.ReleaseStep;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.UnownedArtifact;
import io.vmimport.api.source.VmLocator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Begins an export by writing an {@code .export-lease} into the VM folder: the stand-in for what a
 * real source creates (an NFC lease, a snapshot) and must remove again.
 */
final class DirectoryDiskExporter implements DiskExporter {
  private static final Logger log = LoggerFactory.getLogger(DirectoryDiskExporter.class);
  private static final String LEASE_KIND = "export-lease";

  private final SourceFolder source;

  DirectoryDiskExporter(SourceFolder source) {
    this.source = requireNonNull(source, "source is null");
  }

  /**
   * @throws VmImportException {@code NOT_SUPPORTED} for a VM that is not powered off (the provider
   *     does not declare {@code EXPORT_POWERED_ON})
   */
  @Override
  public ExportSession begin(SourceVm vm, ArtifactOwner owner) {
    VmFolder folder = source.folderOf(vm);
    PowerState state = folder.powerState();
    if (state != PowerState.OFF) {
      throw new VmImportException(
          ErrorCode.NOT_SUPPORTED,
          "VM '" + vm.name() + "' is " + state + "; directory sources export powered-off VMs only");
    }
    // the token lets an export remove only its own lease, not one a later export took over
    String token = UUID.randomUUID().toString();
    Path lease = folder.leaseFile();
    try {
      // the owner's uid in the lease is what lets release() tell its own leases from others'
      folder.writeLease(token, owner.uid());
    } catch (IOException e) {
      throw new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, "cannot create " + lease, e);
    }
    log.debug("export lease {} created", lease);
    return new DirectoryExportSession(folder, vm, token);
  }

  /** The artifact an export reports for its lease: the VM's name and the export's token. */
  static SourceArtifact lease(String vmName, String token) {
    return new SourceArtifact(LEASE_KIND, vmName + "#" + token);
  }

  /**
   * Removes the leases of exports for {@code owner} that never ended because their process died,
   * all in one step: removing a file needs no waiting, so the step is done at once. A lease that is
   * gone, or that a newer export of the same import holds, is left alone; so is a VM folder that no
   * longer exists. A lease of another import, or one written by hand (no owner line), and anything
   * that is not a lease are left in place and reported: the list comes from a checkpoint, which
   * proves nothing.
   *
   * @throws VmImportException {@code CLEANUP_FAILED} naming the owner's leases that remain; the
   *     others are released all the same
   */
  @Override
  public ReleaseStep releaseStep(List<SourceArtifact> leftovers, ArtifactOwner owner) {
    List<String> remaining = new ArrayList<>();
    List<UnownedArtifact> unowned = new ArrayList<>();
    for (SourceArtifact leftover : leftovers) {
      int hash = leftover.id().lastIndexOf('#');
      if (!leftover.kind().equals(LEASE_KIND) || hash < 1) {
        unowned.add(new UnownedArtifact(leftover, "not an export lease of a directory source"));
        continue;
      }
      VmFolder folder;
      try {
        folder = source.find(VmLocator.of(leftover.id().substring(0, hash)));
      } catch (VmImportException e) {
        if (e.code() == ErrorCode.NOT_FOUND) {
          continue; // the VM's folder is gone, and its lease with it
        }
        throw e;
      }
      try {
        Optional<VmFolder.Lease> lease = folder.readLease();
        if (lease.isEmpty()) {
          continue;
        }
        if (!lease.get().ownerUid().map(owner::owns).orElse(false)) {
          unowned.add(
              new UnownedArtifact(
                  leftover,
                  lease.get().ownerUid().isEmpty()
                      ? folder.leaseFile() + " names no import: no export wrote it"
                      : folder.leaseFile() + " is held by import " + lease.get().ownerUid().get()));
          continue;
        }
        if (folder.removeLease(leftover.id().substring(hash + 1))) {
          log.info("removed export lease {} of an export that never ended", folder.leaseFile());
        }
      } catch (IOException e) {
        remaining.add(folder.leaseFile() + " (" + e + ")");
      }
    }
    if (!remaining.isEmpty()) {
      throw new VmImportException(ErrorCode.CLEANUP_FAILED, "could not release " + remaining);
    }
    return ReleaseStep.done(unowned);
  }
}
