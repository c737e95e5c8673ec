package io.vmimport.api.model;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The data of a credentials Secret, keyed as in the Secret. {@link #toString()} shows key names
 * only, so credentials never reach a log or an exception message by accident.
 *
 * @param secretName {@code namespace/name} of the Secret, for messages
 */
public record Credentials(String secretName, Map<String, String> data) {
  public static final Credentials NONE = new Credentials("(none)", Map.of());

  public Credentials {
    requireNonNull(secretName, "secretName is null");
    data = Map.copyOf(requireNonNull(data, "data is null"));
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(data.get(key)).filter(value -> !value.isEmpty());
  }

  /** The value of the first of {@code keys} present, e.g. {@code caCert}, {@code ca.crt}. */
  public Optional<String> getFirst(String... keys) {
    for (String key : keys) {
      Optional<String> value = get(key);
      if (value.isPresent()) {
        return value;
      }
    }
    return Optional.empty();
  }

  /**
   * @throws VmImportException {@link ErrorCode#INVALID_SPEC} naming the Secret and the key
   */
  public String require(String key) {
    return get(key)
        .orElseThrow(
            () ->
                new VmImportException(
                    ErrorCode.INVALID_SPEC,
                    "Secret " + secretName + " has no key '" + key + "' (or it is empty)"));
  }

  @Override
  public String toString() {
    return "Credentials[" + secretName + ", keys=" + new TreeMap<>(data).keySet() + "]";
  }
}
