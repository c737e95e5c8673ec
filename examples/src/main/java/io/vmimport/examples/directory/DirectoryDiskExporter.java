package io.vmimport.examples.directory;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.VmLocator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
  public ExportSession begin(SourceVm vm) {
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
      Files.writeString(lease, token + "\n");
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
   * Removes the leases of exports that never ended because their process died. A lease that is
   * gone, or that a newer export holds, is left alone; so is a VM folder that no longer exists.
   *
   * @throws VmImportException {@code CLEANUP_FAILED} naming the leases that remain and any artifact
   *     this provider never made; the others are released all the same
   */
  @Override
  public void release(List<SourceArtifact> leftovers) {
    List<String> remaining = new ArrayList<>();
    for (SourceArtifact leftover : leftovers) {
      int hash = leftover.id().lastIndexOf('#');
      if (!leftover.kind().equals(LEASE_KIND) || hash < 1) {
        remaining.add("'" + leftover + "' (not an export lease of a directory source)");
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
  }
}
