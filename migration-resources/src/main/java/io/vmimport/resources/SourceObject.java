package io.vmimport.resources;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.Optional;

/**
 * A source object read, before its Secret is resolved.
 *
 * @param providerKind e.g. {@code vmware} for {@code VmwareSource}
 * @param settings the scalar fields of its spec except {@code credentials}, as strings
 */
public record SourceObject(
    ObjectId id,
    String providerKind,
    Map<String, String> settings,
    Optional<SecretRef> credentials) {
  public SourceObject {
    requireNonNull(id, "id is null");
    requireNonNull(providerKind, "providerKind is null");
    settings = Map.copyOf(requireNonNull(settings, "settings is null"));
    requireNonNull(credentials, "credentials is null");
  }
}
