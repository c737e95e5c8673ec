package io.vmimport.api.source;

import io.vmimport.api.model.SourceVm;

/** Exports the disks of a powered-off VM. */
public interface DiskExporter {
  /**
   * Starts an export of {@code vm} (e.g. requests an NFC lease). Whatever this creates on the
   * source is removed by {@link ExportSession#complete()} or {@link ExportSession#abort()}.
   */
  ExportSession begin(SourceVm vm);
}
