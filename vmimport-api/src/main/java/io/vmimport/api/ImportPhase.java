package io.vmimport.api;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;

/**
 * The phases of one import, with the exact strings vm-import-controller writes to {@code
 * status.importStatus} (note the singular {@code diskImageSubmitted} and the capital {@code
 * VMMigrationFailed}).
 */
public enum ImportPhase {
  NEW(""),
  VALID("virtualMachineImportValid"),
  INVALID("virtualMachineImportInvalid"),
  SOURCE_READY("sourceReady"),
  DISKS_EXPORTED("disksExported"),
  DISK_IMAGE_SUBMITTED("diskImageSubmitted"),
  DISK_IMAGES_READY("diskImagesReady"),
  DISK_IMAGE_FAILED("diskImageFailed"),
  VM_CREATED("virtualMachineCreated"),
  VM_RUNNING("virtualMachineRunning"),
  FAILED("VMMigrationFailed");

  private final String wireValue;

  ImportPhase(String wireValue) {
    this.wireValue = wireValue;
  }

  /** The string stored in {@code status.importStatus}. */
  public String wireValue() {
    return wireValue;
  }

  /** Whether no further work happens in this phase. */
  public boolean terminal() {
    return this == INVALID || this == FAILED || this == VM_RUNNING;
  }

  public static ImportPhase fromWireValue(String value) {
    requireNonNull(value, "value is null");
    return Arrays.stream(values())
        .filter(phase -> phase.wireValue.equals(value))
        .findFirst()
        .orElseThrow(
            () ->
                new VmImportException(
                    ErrorCode.INVALID_SPEC, "unknown importStatus '" + value + "'"));
  }

  @Override
  public String toString() {
    return wireValue.isEmpty() ? "(new)" : wireValue;
  }
}
