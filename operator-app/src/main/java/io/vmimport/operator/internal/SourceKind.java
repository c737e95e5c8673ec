package io.vmimport.operator.internal;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.vmimport.api.model.SourceSpec;

/**
 * A source kind the operator serves: one of the three built in, or a third party's whose provider
 * and CRD are on the class path ({@link SourceKinds}).
 *
 * @param crd where its CRD came from: a class of the operator, or a plugin's resource
 */
public record SourceKind(String group, String version, String kind, String plural, String crd) {
  public SourceKind {
    requireNonNull(group, "group is null");
    requireNonNull(version, "version is null");
    requireNonNull(kind, "kind is null");
    requireNonNull(plural, "plural is null");
    requireNonNull(crd, "crd is null");
  }

  /** A kind of the operator's own CRD classes. */
  public static SourceKind of(Class<? extends HasMetadata> type) {
    return new SourceKind(
        HasMetadata.getGroup(type),
        HasMetadata.getVersion(type),
        HasMetadata.getKind(type),
        HasMetadata.getPlural(type),
        type.getName());
  }

  public String apiVersion() {
    return group + "/" + version;
  }

  /** {@code directory} for {@code DirectorySource}: the kind of its provider. */
  public String providerKind() {
    return SourceSpec.providerKind(kind);
  }

  /** Where the client finds its objects, without asking the API server's discovery. */
  public ResourceDefinitionContext context() {
    return new ResourceDefinitionContext.Builder()
        .withGroup(group)
        .withVersion(version)
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(true)
        .build();
  }

  /** {@code directorysources.migration.harvesterhci.io}, the name of its CRD. */
  public String crdName() {
    return plural + "." + group;
  }
}
