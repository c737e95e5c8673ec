package io.vmimport.api.model;

import io.vmimport.api.WireValues;
import java.util.Locale;

/** The bus a disk is attached to in the target VM; values of {@code spec.defaultDiskBusType}. */
public enum DiskBus {
  VIRTIO,
  SATA,
  SCSI,
  USB;

  public String wireValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static DiskBus parse(String value, String field) {
    return WireValues.parse(DiskBus.class, DiskBus::wireValue, value, field);
  }
}
