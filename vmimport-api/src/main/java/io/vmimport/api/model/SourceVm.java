package io.vmimport.api.model;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * A source VM as a neutral record, what {@code vmimport inspect} prints.
 *
 * @param id the provider's identifier (managed object id, instance UUID)
 * @param name the VM's name on the source
 * @param memoryMiB memory in MiB (2^20 bytes)
 * @param disks in source device order
 * @param nics in source device (or port) order
 * @param exportHost the machine the disks are read from when it is not the source's endpoint (the
 *     ESXi host that runs a vSphere VM); imports reading from one such machine share the engine's
 *     per-host limit. Empty: the source's endpoint is that machine
 */
public record SourceVm(
    String id,
    String name,
    Cpu cpu,
    long memoryMiB,
    Firmware firmware,
    List<SourceDisk> disks,
    List<SourceNic> nics,
    Optional<String> description,
    Optional<String> guestOs,
    Optional<String> exportHost) {
  public SourceVm {
    requireNonNull(id, "id is null");
    requireNonNull(name, "name is null");
    requireNonNull(cpu, "cpu is null");
    if (memoryMiB < 1) {
      throw new IllegalArgumentException("memoryMiB must be at least 1: " + memoryMiB);
    }
    requireNonNull(firmware, "firmware is null");
    disks = List.copyOf(requireNonNull(disks, "disks is null"));
    nics = List.copyOf(requireNonNull(nics, "nics is null"));
    requireNonNull(description, "description is null");
    requireNonNull(guestOs, "guestOs is null");
    requireNonNull(exportHost, "exportHost is null");
  }

  /** A VM whose disks are read from the source's endpoint itself. */
  public SourceVm(
      String id,
      String name,
      Cpu cpu,
      long memoryMiB,
      Firmware firmware,
      List<SourceDisk> disks,
      List<SourceNic> nics,
      Optional<String> description,
      Optional<String> guestOs) {
    this(id, name, cpu, memoryMiB, firmware, disks, nics, description, guestOs, Optional.empty());
  }

  /** This VM, read from {@code host}. */
  public SourceVm withExportHost(String host) {
    return new SourceVm(
        id, name, cpu, memoryMiB, firmware, disks, nics, description, guestOs, Optional.of(host));
  }
}
