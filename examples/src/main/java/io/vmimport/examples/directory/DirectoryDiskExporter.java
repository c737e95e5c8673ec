package io.vmimport.examples.directory;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.ExportSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Begins an export by writing an {@code .export-lease} into the VM folder: the stand-in for what a
 * real source creates (an NFC lease, a snapshot) and must remove again.
 */
final class DirectoryDiskExporter implements DiskExporter {
  private static final Logger log = LoggerFactory.getLogger(DirectoryDiskExporter.class);

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
}
