package io.vmimport.provider.ova.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.SourceVm;
import java.util.Map;
import java.util.Optional;

/**
 * A VirtualSystem as a neutral VM, with what the export needs to find each disk's bytes.
 *
 * @param disks the OVF disk of each {@link io.vmimport.api.model.SourceDisk#key()}
 * @param configuration the DeploymentOptionSection configuration used, when the descriptor has one
 */
record OvaVm(
    SourceVm vm, Map<String, OvfDescriptor.DiskDef> disks, Optional<String> configuration) {
  OvaVm {
    requireNonNull(vm, "vm is null");
    disks = Map.copyOf(requireNonNull(disks, "disks is null"));
    requireNonNull(configuration, "configuration is null");
  }
}
