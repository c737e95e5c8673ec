package io.vmimport.api.model;

import java.util.Locale;

public enum FirmwareType {
  BIOS,
  EFI;

  public String wireValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
