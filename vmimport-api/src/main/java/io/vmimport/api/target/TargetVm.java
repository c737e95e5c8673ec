package io.vmimport.api.target;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.ImportRef;
import java.util.List;
import java.util.Optional;

/**
 * The neutral description of the VM to create, computed by core from the source VM and the import
 * spec. A target renders it (KubeVirt VirtualMachine, manifests) without further mapping.
 *
 * @param name a DNS-1123 label
 * @param memoryMiB memory in MiB, exactly the source's
 * @param disks in boot order
 * @param storageClass empty for the target's default
 */
public record TargetVm(
    ImportRef importRef,
    String name,
    String sourceName,
    Optional<String> description,
    TargetCpu cpu,
    long memoryMiB,
    Firmware firmware,
    List<TargetDisk> disks,
    List<TargetNic> nics,
    Optional<String> storageClass) {
  public TargetVm {
    requireNonNull(importRef, "importRef is null");
    requireNonNull(name, "name is null");
    requireNonNull(sourceName, "sourceName is null");
    requireNonNull(description, "description is null");
    requireNonNull(cpu, "cpu is null");
    requireNonNull(firmware, "firmware is null");
    disks = List.copyOf(requireNonNull(disks, "disks is null"));
    nics = List.copyOf(requireNonNull(nics, "nics is null"));
    requireNonNull(storageClass, "storageClass is null");
  }
}
