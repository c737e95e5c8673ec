package io.vmimport.api.model;

import static java.util.Objects.requireNonNull;

/**
 * Boot firmware of a VM.
 *
 * @param secureBoot UEFI secure boot; only valid with {@link FirmwareType#EFI}
 * @param tpm a virtual TPM is attached
 */
public record Firmware(FirmwareType type, boolean secureBoot, boolean tpm) {
  public static final Firmware BIOS = new Firmware(FirmwareType.BIOS, false, false);

  public Firmware {
    requireNonNull(type, "type is null");
    if (secureBoot && type != FirmwareType.EFI) {
      throw new IllegalArgumentException("secure boot needs EFI firmware");
    }
  }

  public static Firmware efi(boolean secureBoot, boolean tpm) {
    return new Firmware(FirmwareType.EFI, secureBoot, tpm);
  }
}
