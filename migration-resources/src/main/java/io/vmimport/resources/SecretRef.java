package io.vmimport.resources;

import static java.util.Objects.requireNonNull;

/** {@code spec.credentials} of a source: the Secret it names. */
public record SecretRef(String namespace, String name) {
  public SecretRef {
    requireNonNull(namespace, "namespace is null");
    requireNonNull(name, "name is null");
  }

  /** {@code namespace/name}. */
  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
