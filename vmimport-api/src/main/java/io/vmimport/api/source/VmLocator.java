package io.vmimport.api.source;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.Optional;

/**
 * How a user names a VM: {@code virtualMachineName} (a name or, where the source has them, an
 * instance UUID) and, for VMware, the {@code folder} below {@code <dc>/vm}. A provider whose source
 * has no folders rejects a folder with {@code INVALID_SPEC}.
 *
 * @param options the import's per-import choices for the provider ({@link
 *     io.vmimport.api.model.ImportSpec#sourceOptions()}), e.g. which OVF deployment option to read;
 *     a provider ignores keys it does not know
 */
public record VmLocator(String nameOrId, Optional<String> folder, Map<String, String> options) {
  public VmLocator {
    requireNonNull(nameOrId, "nameOrId is null");
    requireNonNull(folder, "folder is null");
    options = Map.copyOf(requireNonNull(options, "options is null"));
  }

  public VmLocator(String nameOrId, Optional<String> folder) {
    this(nameOrId, folder, Map.of());
  }

  /** The option {@code key} of the import, when given. */
  public Optional<String> option(String key) {
    return Optional.ofNullable(options.get(key));
  }

  /** The VM an import names, with its source options. */
  public static VmLocator of(io.vmimport.api.model.ImportSpec spec) {
    return new VmLocator(spec.virtualMachineName(), spec.folder(), spec.sourceOptions());
  }

  public static VmLocator of(String nameOrId) {
    return new VmLocator(nameOrId, Optional.empty());
  }

  @Override
  public String toString() {
    return folder.map(f -> f + "/" + nameOrId).orElse(nameOrId);
  }
}
