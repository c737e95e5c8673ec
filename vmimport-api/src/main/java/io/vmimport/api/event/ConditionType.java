package io.vmimport.api.event;

/** Types of {@code status.importConditions[]}, with upstream's exact strings. */
public enum ConditionType {
  VM_SHUTDOWN_GUEST("VMShutdownGuest"),
  VM_POWERING_OFF("VMPoweringOff"),
  VM_POWERED_OFF("VMPoweredOff"),
  VM_EXPORTED("VMExported"),
  VM_EXPORT_FAILED("VMExportFailed");

  private final String wireValue;

  ConditionType(String wireValue) {
    this.wireValue = wireValue;
  }

  public String wireValue() {
    return wireValue;
  }
}
