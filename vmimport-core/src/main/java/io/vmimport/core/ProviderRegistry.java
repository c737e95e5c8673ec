package io.vmimport.core;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.SourceProvider;
import java.util.Collection;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/**
 * The source providers on the class path, by kind. Lookup fails loudly: an unknown kind lists the
 * available ones, and two providers claiming one kind is an error at construction.
 */
public final class ProviderRegistry {

  private final Map<String, SourceProvider> byKind;

  public ProviderRegistry(Collection<? extends SourceProvider> providers) {
    Map<String, SourceProvider> map = new TreeMap<>();
    for (SourceProvider provider : providers) {
      String kind = requireNonNull(provider.kind(), "provider kind is null");
      SourceProvider previous = map.putIfAbsent(kind, provider);
      if (previous != null) {
        throw new VmImportException(
            ErrorCode.INTERNAL,
            "two source providers claim kind '"
                + kind
                + "': "
                + previous.getClass().getName()
                + " and "
                + provider.getClass().getName()
                + "; remove one jar from the class path");
      }
    }
    this.byKind = Map.copyOf(map);
  }

  /** The providers {@link ServiceLoader} finds with the given class loader. */
  public static ProviderRegistry load(ClassLoader classLoader) {
    return new ProviderRegistry(
        ServiceLoader.load(SourceProvider.class, classLoader).stream()
            .map(ServiceLoader.Provider::get)
            .toList());
  }

  public static ProviderRegistry load() {
    return load(Thread.currentThread().getContextClassLoader());
  }

  /**
   * The provider of a kind, given as the provider kind ({@code vmware}) or the source CR kind
   * ({@code VmwareSource}), case-insensitively.
   *
   * @throws VmImportException {@code NOT_SUPPORTED} listing the available kinds
   */
  public SourceProvider forKind(String kind) {
    SourceProvider provider = byKind.get(providerKind(kind));
    if (provider == null) {
      throw new VmImportException(
          ErrorCode.NOT_SUPPORTED, "unknown source kind '" + kind + "'; available: " + kinds());
    }
    return provider;
  }

  public Set<String> kinds() {
    return new java.util.TreeSet<>(byKind.keySet());
  }

  /** {@code VmwareSource} and {@code vmware} both give {@code vmware}. */
  public static String providerKind(String kind) {
    return SourceSpec.providerKind(kind);
  }
}
