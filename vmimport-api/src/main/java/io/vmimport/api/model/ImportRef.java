package io.vmimport.api.model;

import static java.util.Objects.requireNonNull;

/**
 * Identity of one import: the VirtualMachineImport's namespace and name, and its uid.
 *
 * <p>The uid tells apart two imports that had the same name at different times (an import deleted
 * and created again for another VM). Everything an import makes, in the target and on the source,
 * is marked with it and is only ever adopted or deleted when it carries it. It must be stable for
 * as long as the import exists, so that a restarted process finds its own work again: the operator
 * uses the object's {@code metadata.uid}; an embedding program keeps the value it chose with its
 * own record of the import.
 */
public record ImportRef(String namespace, String name, String uid) {
  public ImportRef {
    requireNonNull(namespace, "namespace is null");
    requireNonNull(name, "name is null");
    requireNonNull(uid, "uid is null");
    if (uid.isBlank()) {
      throw new IllegalArgumentException("uid is blank");
    }
  }

  /** {@code namespace/name}: how messages name an import. */
  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
