package io.vmimport.operator.internal;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.vmimport.api.source.SourceProvider;
import io.vmimport.core.ProviderRegistry;
import io.vmimport.resources.MigrationResources;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source kinds the operator serves: its own three, and each third-party provider on the class
 * path that ships the CRD of its kind as the resource {@code META-INF/vmimport/crds/<provider
 * kind>.yaml} (e.g. {@code directory.yaml} for {@code DirectorySource}). The CRD tells the operator
 * the kind's plural and version; it must put the kind in {@code migration.harvesterhci.io} ({@code
 * v1beta1}, namespaced, with a status subresource), where an import's {@code spec.sourceCluster}
 * points. A provider without one is left out with a warning, and an import naming its kind says so.
 */
public final class SourceKinds {
  private static final Logger log = LoggerFactory.getLogger(SourceKinds.class);
  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  /** Where a provider's jar holds the CRD of its kind; the provider's kind and {@code .yaml}. */
  public static final String CRD_RESOURCES = "META-INF/vmimport/crds/";

  private static final String VERSION = "v1beta1";

  private final Map<String, SourceKind> byKind;
  private final List<SourceKind> plugins;
  private final Map<String, String> withoutCrd;

  private SourceKinds(
      List<SourceKind> builtIn, List<SourceKind> plugins, Map<String, String> withoutCrd) {
    Map<String, SourceKind> map = new TreeMap<>();
    builtIn.forEach(k -> map.put(k.kind().toLowerCase(Locale.ROOT), k));
    plugins.forEach(k -> map.put(k.kind().toLowerCase(Locale.ROOT), k));
    this.byKind = Map.copyOf(map);
    this.plugins = List.copyOf(plugins);
    this.withoutCrd = Map.copyOf(withoutCrd);
  }

  /**
   * The built-in kinds, and the kinds of the other providers in {@code providers} that ship a CRD.
   *
   * @throws IllegalStateException naming the resource and what to fix, when a shipped CRD is not
   *     one the operator can serve
   */
  public static SourceKinds discover(List<SourceKind> builtIn, ProviderRegistry providers) {
    List<String> builtInProviders = builtIn.stream().map(SourceKind::providerKind).toList();
    List<SourceKind> plugins = new ArrayList<>();
    Map<String, String> withoutCrd = new LinkedHashMap<>();
    for (String providerKind : providers.kinds()) {
      if (builtInProviders.contains(providerKind)) {
        continue;
      }
      SourceProvider provider = providers.forKind(providerKind);
      String resource = CRD_RESOURCES + providerKind + ".yaml";
      ClassLoader loader = provider.getClass().getClassLoader();
      URL url = loader == null ? null : loader.getResource(resource);
      if (url == null) {
        String reason =
            "its provider "
                + provider.getClass().getName()
                + " ships no CRD at "
                + resource
                + ", so the operator cannot watch its sources";
        log.warn("source kind '{}' is not served: {}", providerKind, reason);
        withoutCrd.put(providerKind, reason);
        continue;
      }
      SourceKind kind = fromCrd(url, providerKind);
      log.info("serving {} of provider {} (CRD {})", kind.kind(), provider.getClass(), url);
      plugins.add(kind);
    }
    return new SourceKinds(builtIn, plugins, withoutCrd);
  }

  /** The source kind a plugin's CRD describes, checked against its provider's kind. */
  static SourceKind fromCrd(URL url, String providerKind) {
    CustomResourceDefinition crd;
    try (InputStream in = url.openStream()) {
      crd = YAML.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the CRD " + url, e);
    } catch (RuntimeException e) {
      throw invalid(url, "is not a CustomResourceDefinition in YAML (" + e.getMessage() + ")");
    }
    if (crd == null
        || !"CustomResourceDefinition".equals(crd.getKind())
        || crd.getSpec() == null
        || crd.getSpec().getNames() == null) {
      throw invalid(url, "is not an apiextensions.k8s.io/v1 CustomResourceDefinition");
    }
    String group = crd.getSpec().getGroup();
    if (!MigrationResources.GROUP.equals(group)) {
      throw invalid(
          url,
          "spec.group is '"
              + group
              + "'; a source kind must be in "
              + MigrationResources.GROUP
              + ", the group an import's spec.sourceCluster.apiVersion names");
    }
    String kind = String.valueOf(crd.getSpec().getNames().getKind());
    if (!MigrationResources.isSourceKind(kind)
        || !MigrationResources.providerKind(kind).equals(providerKind)) {
      throw invalid(
          url,
          "spec.names.kind is '"
              + kind
              + "'; the provider of kind '"
              + providerKind
              + "' serves the source kind "
              + Character.toUpperCase(providerKind.charAt(0))
              + providerKind.substring(1)
              + "Source");
    }
    if (!"Namespaced".equals(crd.getSpec().getScope())) {
      throw invalid(url, "spec.scope must be Namespaced, as every source is");
    }
    Optional<CustomResourceDefinitionVersion> version =
        crd.getSpec().getVersions().stream()
            .filter(v -> VERSION.equals(v.getName()) && Boolean.TRUE.equals(v.getServed()))
            .findFirst();
    if (version.isEmpty()) {
      throw invalid(url, "serves no version " + VERSION + ", the version the operator reads");
    }
    if (version.get().getSubresources() == null
        || version.get().getSubresources().getStatus() == null) {
      throw invalid(
          url, "version " + VERSION + " has no status subresource, where the check is written");
    }
    String plural = crd.getSpec().getNames().getPlural();
    if (plural == null || plural.isBlank()) {
      throw invalid(url, "spec.names.plural is missing");
    }
    return new SourceKind(group, VERSION, kind, plural, url.toString());
  }

  private static IllegalStateException invalid(URL url, String problem) {
    return new IllegalStateException(
        "the CRD " + url + " " + problem + "; fix it in the provider's jar (examples/README.md)");
  }

  /** The kind an import names, case-insensitively as upstream matches it. */
  public Optional<SourceKind> find(String kind) {
    return Optional.ofNullable(
        byKind.get(requireNonNull(kind, "kind is null").toLowerCase(Locale.ROOT)));
  }

  /** The third parties' kinds. */
  public List<SourceKind> plugins() {
    return plugins;
  }

  /** Why {@code kind} is not served, naming what is: for an import's status. */
  public String notServed(String kind) {
    String reason = withoutCrd.get(MigrationResources.providerKind(kind));
    TreeSet<String> served = new TreeSet<>();
    byKind.values().forEach(k -> served.add(k.kind()));
    return "'"
        + kind
        + "' is not a source kind this operator serves"
        + (reason == null ? "" : ": " + reason)
        + "; it serves "
        + String.join(", ", served)
        + (reason == null
            ? ". A third party's kind needs its provider jar, with the kind's CRD at "
                + CRD_RESOURCES
                + "<kind>.yaml, on the operator's class path"
            : "");
  }
}
