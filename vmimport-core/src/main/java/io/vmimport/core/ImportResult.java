package io.vmimport.core;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ImportPhase;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetVm;
import java.util.List;

/**
 * The outcome of a successful import.
 *
 * @param phase {@code virtualMachineRunning}, or {@code virtualMachineCreated} for a target that
 *     does not start VMs
 * @param vmLocation where the VM is, as the target says (an object name, a file)
 */
public record ImportResult(
    ImportRef ref, ImportPhase phase, TargetVm vm, List<PublishedImage> images, String vmLocation) {
  public ImportResult {
    requireNonNull(ref, "ref is null");
    requireNonNull(phase, "phase is null");
    requireNonNull(vm, "vm is null");
    images = List.copyOf(requireNonNull(images, "images is null"));
    requireNonNull(vmLocation, "vmLocation is null");
  }
}
