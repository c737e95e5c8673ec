package io.vmimport.api.model;

import io.vmimport.api.WireValues;
import java.util.Locale;

/** Network interface models KubeVirt offers; values of {@code networkInterfaceModel}. */
public enum NicModel {
  E1000,
  E1000E,
  NE2K_PCI,
  PCNET,
  RTL8139,
  VIRTIO;

  public String wireValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static NicModel parse(String value, String field) {
    return WireValues.parse(NicModel.class, NicModel::wireValue, value, field);
  }
}
