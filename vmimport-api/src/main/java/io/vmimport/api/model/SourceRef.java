package io.vmimport.api.model;

import static java.util.Objects.requireNonNull;

/**
 * {@code spec.sourceCluster} of a VirtualMachineImport: a reference to a source object.
 *
 * @param kind the source kind as written in the CR, e.g. {@code VmwareSource}
 */
public record SourceRef(String apiVersion, String kind, String name, String namespace) {
  public SourceRef {
    requireNonNull(apiVersion, "apiVersion is null");
    requireNonNull(kind, "kind is null");
    requireNonNull(name, "name is null");
    requireNonNull(namespace, "namespace is null");
  }
}
