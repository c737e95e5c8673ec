package io.vmimport.api.model;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.UserInfoRedaction;
import io.vmimport.api.VmImportException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A source object (VmwareSource, OpenstackSource, OvaSource, or a third party's) in neutral form.
 *
 * @param kind the provider kind, e.g. {@code vmware}, derived from the CR kind {@code VmwareSource}
 * @param settings the source's spec fields other than credentials, by their CRD names, e.g. {@code
 *     endpoint}, {@code dc}, {@code region}; numbers as their decimal strings
 */
public record SourceSpec(
    String kind,
    String namespace,
    String name,
    Map<String, String> settings,
    Credentials credentials) {
  public SourceSpec {
    requireNonNull(kind, "kind is null");
    requireNonNull(namespace, "namespace is null");
    requireNonNull(name, "name is null");
    settings = Map.copyOf(requireNonNull(settings, "settings is null"));
    requireNonNull(credentials, "credentials is null");
  }

  public Optional<String> setting(String field) {
    return Optional.ofNullable(settings.get(field)).filter(value -> !value.isBlank());
  }

  /**
   * @throws VmImportException {@link ErrorCode#INVALID_SPEC} naming the source and field
   */
  public String requireSetting(String field) {
    return setting(field)
        .orElseThrow(
            () ->
                new VmImportException(
                    ErrorCode.INVALID_SPEC,
                    "source " + namespace + "/" + name + ": spec." + field + " is required"));
  }

  /**
   * The provider kind of a source CR kind: {@code VmwareSource} and {@code vmware} both give {@code
   * vmware}, case-insensitively.
   */
  public static String providerKind(String kind) {
    String lower = kind.trim().toLowerCase(java.util.Locale.ROOT);
    String suffix = "source";
    if (lower.endsWith(suffix) && lower.length() > suffix.length()) {
      return lower.substring(0, lower.length() - suffix.length());
    }
    return lower;
  }

  /** Settings with the user information of URLs masked; credentials show their key names only. */
  @Override
  public String toString() {
    Map<String, String> shown = new TreeMap<>();
    settings.forEach((key, value) -> shown.put(key, UserInfoRedaction.redact(value)));
    return "SourceSpec["
        + kind
        + " "
        + namespace
        + "/"
        + name
        + ", settings="
        + shown
        + ", "
        + credentials
        + "]";
  }
}
