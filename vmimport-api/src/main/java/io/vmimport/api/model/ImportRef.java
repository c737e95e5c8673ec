package io.vmimport.api.model;

import static java.util.Objects.requireNonNull;

/** Identity of one import: the VirtualMachineImport's namespace and name. */
public record ImportRef(String namespace, String name) {
  public ImportRef {
    requireNonNull(namespace, "namespace is null");
    requireNonNull(name, "name is null");
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
