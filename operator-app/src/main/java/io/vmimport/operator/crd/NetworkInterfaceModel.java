package io.vmimport.operator.crd;

import com.fasterxml.jackson.annotation.JsonProperty;

/** NIC models KubeVirt accepts; "" (upstream's empty value) means "use the default". */
public enum NetworkInterfaceModel {
  @JsonProperty("e1000")
  E1000,
  @JsonProperty("e1000e")
  E1000E,
  @JsonProperty("ne2k_pci")
  NE2K_PCI,
  @JsonProperty("pcnet")
  PCNET,
  @JsonProperty("rtl8139")
  RTL8139,
  @JsonProperty("virtio")
  VIRTIO,
  @JsonProperty("")
  UNSET
}
