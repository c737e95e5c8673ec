package io.vmimport.api.source;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceVm;

/**
 * Power operations. Each call starts one operation and returns; core polls {@link #state} and
 * decides when to escalate.
 */
public interface PowerControl {
  PowerState state(SourceVm vm);

  /**
   * Asks the guest OS to shut down. Only for providers declaring {@link
   * io.vmimport.api.Capability#GUEST_SHUTDOWN}.
   */
  default void shutdownGuest(SourceVm vm) {
    throw new VmImportException(ErrorCode.NOT_SUPPORTED, "guest shutdown is not supported");
  }

  /** Powers the VM off (hard, or the source's stop operation). */
  void powerOff(SourceVm vm);
}
