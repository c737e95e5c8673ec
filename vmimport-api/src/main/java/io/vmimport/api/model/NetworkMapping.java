package io.vmimport.api.model;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * One entry of {@code spec.networkMapping}.
 *
 * @param destinationNetwork a NetworkAttachmentDefinition as {@code namespace/name} or {@code name}
 *     (in the import's namespace)
 * @param networkInterfaceModel overrides the model for NICs on this network
 */
public record NetworkMapping(
    String sourceNetwork, String destinationNetwork, Optional<NicModel> networkInterfaceModel) {
  public NetworkMapping {
    requireNonNull(sourceNetwork, "sourceNetwork is null");
    requireNonNull(destinationNetwork, "destinationNetwork is null");
    requireNonNull(networkInterfaceModel, "networkInterfaceModel is null");
  }

  public NetworkMapping(String sourceNetwork, String destinationNetwork) {
    this(sourceNetwork, destinationNetwork, Optional.empty());
  }
}
