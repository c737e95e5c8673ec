package io.vmimport.api.source;

import io.vmimport.api.model.SourceVm;
import java.util.List;

/** Reads VM hardware from the source. */
public interface VmInventory {
  /**
   * Describes one VM.
   *
   * @throws io.vmimport.api.VmImportException {@code NOT_FOUND} naming what was searched, or {@code
   *     NOT_UNIQUE} listing the candidates
   */
  SourceVm describe(VmLocator vm);

  /** Names (or ids) of the VMs visible to this session, for messages and {@code inspect}. */
  List<String> list();
}
