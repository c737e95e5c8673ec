package io.vmimport.api.target;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceNic;

/**
 * A network interface of the target VM.
 *
 * @param name {@code nic-<i>}, {@code i} counting from 0 in source order
 */
public record TargetNic(
    String name, SourceNic source, String macAddress, NicModel model, NetworkAttachment network) {
  public TargetNic {
    requireNonNull(name, "name is null");
    requireNonNull(source, "source is null");
    requireNonNull(macAddress, "macAddress is null");
    requireNonNull(model, "model is null");
    requireNonNull(network, "network is null");
  }
}
