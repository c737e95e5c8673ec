package io.vmimport.api.source;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * How a user names a VM: {@code virtualMachineName} (a name or, where the source has them, an
 * instance UUID) and, for VMware, the {@code folder} below {@code <dc>/vm}. A provider whose source
 * has no folders rejects a folder with {@code INVALID_SPEC}.
 */
public record VmLocator(String nameOrId, Optional<String> folder) {
  public VmLocator {
    requireNonNull(nameOrId, "nameOrId is null");
    requireNonNull(folder, "folder is null");
  }

  public static VmLocator of(String nameOrId) {
    return new VmLocator(nameOrId, Optional.empty());
  }

  @Override
  public String toString() {
    return folder.map(f -> f + "/" + nameOrId).orElse(nameOrId);
  }
}
