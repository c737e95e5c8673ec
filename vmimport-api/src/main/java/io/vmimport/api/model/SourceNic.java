package io.vmimport.api.model;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * One network interface of a source VM.
 *
 * @param index position in the source's device (or port) order, from 0
 * @param macAddress the MAC address, kept on the target
 * @param model the model the source's adapter maps to, when it maps to one
 * @param network the source network (port group, Neutron network name); empty when disconnected
 */
public record SourceNic(
    int index, String macAddress, Optional<NicModel> model, Optional<String> network) {
  public SourceNic {
    if (index < 0) {
      throw new IllegalArgumentException("index is negative: " + index);
    }
    requireNonNull(macAddress, "macAddress is null");
    requireNonNull(model, "model is null");
    requireNonNull(network, "network is null");
  }

  public static SourceNic of(int index, String macAddress, NicModel model, String network) {
    return new SourceNic(index, macAddress, Optional.of(model), Optional.of(network));
  }
}
