package io.vmimport.api.event;

/** Types of {@code status.importConditions[]}, with upstream's exact strings. */
public enum ConditionType {
  VM_SHUTDOWN_GUEST("VMShutdownGuest"),
  VM_POWERING_OFF("VMPoweringOff"),
  VM_POWERED_OFF("VMPoweredOff"),
  VM_EXPORTED("VMExported"),
  VM_EXPORT_FAILED("VMExportFailed"),
  /**
   * Ours, not upstream's: whether the guest was converted to boot on the target's hardware; the
   * reason and message say what was found and done, or why nothing was.
   */
  GUEST_CONVERTED("GuestConverted");

  private final String wireValue;

  ConditionType(String wireValue) {
    this.wireValue = wireValue;
  }

  public String wireValue() {
    return wireValue;
  }
}
