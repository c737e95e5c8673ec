package io.vmimport.provider.vmware.internal;

import com.vmware.vim25.ManagedObjectReference;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.ExportSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts NFC exports ({@code ExportVm}) of powered-off VMs. */
final class VmwareDiskExporter implements DiskExporter {
  private static final Logger log = LoggerFactory.getLogger(VmwareDiskExporter.class);
  private final VmwareSourceSession session;

  VmwareDiskExporter(VmwareSourceSession session) {
    this.session = session;
  }

  /**
   * The owner is not marked anywhere: the NFC lease is the only thing an export makes, and it ends
   * with the session that requested it, so nothing is left for a later {@code release}.
   */
  @Override
  public ExportSession begin(SourceVm vm, ArtifactOwner owner) {
    ManagedObjectReference lease =
        session
            .connection()
            .call(
                "export VM " + vm.name() + " (it must be powered off)",
                v -> v.exportVm(VimConnection.mor("VirtualMachine", vm.id())));
    log.info("VM {}: NFC lease {} requested", vm.name(), lease.getVal());
    return new VmwareExportSession(session.connection(), vm, lease);
  }
}
