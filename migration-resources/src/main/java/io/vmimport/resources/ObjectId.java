package io.vmimport.resources;

import static java.util.Objects.requireNonNull;

/** Kind, namespace and name of one resource: {@code VmwareSource prod/vcenter}. */
public record ObjectId(String kind, String namespace, String name) {
  public ObjectId {
    requireNonNull(kind, "kind is null");
    requireNonNull(namespace, "namespace is null");
    requireNonNull(name, "name is null");
  }

  @Override
  public String toString() {
    return kind + " " + namespace + "/" + name;
  }
}
