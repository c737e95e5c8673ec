package io.vmimport.api.source;

import io.vmimport.api.model.SourceVm;
import java.util.List;

/** Exports the disks of a powered-off VM. */
public interface DiskExporter {
  /**
   * Starts an export of {@code vm} (e.g. requests an NFC lease). Whatever this creates on the
   * source is removed by {@link ExportSession#complete()} or {@link ExportSession#abort()}.
   */
  ExportSession begin(SourceVm vm);

  /**
   * Removes what an export of an earlier process created and never removed, because that process
   * died (the {@link ExportSession#artifacts()} it reported). Artifacts already gone are not an
   * error; the order given is the order of creation.
   *
   * @throws io.vmimport.api.VmImportException {@code CLEANUP_FAILED} listing what remains
   */
  default void release(List<SourceArtifact> leftovers) {}
}
