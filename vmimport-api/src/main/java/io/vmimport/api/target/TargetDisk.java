package io.vmimport.api.target;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.SourceDisk;

/**
 * A disk of the target VM.
 *
 * @param name {@code disk-<i>}, {@code i} counting from 0 in boot order
 * @param bootOrder 1 for the boot disk, then 2, 3...
 */
public record TargetDisk(String name, SourceDisk source, DiskBus bus, int bootOrder) {
  public TargetDisk {
    requireNonNull(name, "name is null");
    requireNonNull(source, "source is null");
    requireNonNull(bus, "bus is null");
    if (bootOrder < 1) {
      throw new IllegalArgumentException("bootOrder must be at least 1: " + bootOrder);
    }
  }
}
