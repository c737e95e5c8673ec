package io.vmimport.api.guest;

import io.vmimport.api.WireValues;
import java.util.Locale;

/** When an import converts its guest. */
public enum GuestConversionPolicy {
  /**
   * Convert when the target VM gives the guest virtio devices it did not have (a disk on the virtio
   * or SCSI bus, which KubeVirt runs as virtio-scsi, or a virtio NIC) and the guest is one the
   * converter can convert without extra drivers (Linux); otherwise leave it and say why.
   */
  AUTO,
  /** Always convert; an import whose conversion fails or cannot run fails. */
  ALWAYS,
  /** Never convert. */
  NEVER;

  public String wireValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static GuestConversionPolicy parse(String value, String field) {
    return WireValues.parse(
        GuestConversionPolicy.class, GuestConversionPolicy::wireValue, value, field);
  }
}
