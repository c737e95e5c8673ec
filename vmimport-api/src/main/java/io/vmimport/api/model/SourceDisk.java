package io.vmimport.api.model;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One disk of a source VM.
 *
 * @param index position in the source's device order, from 0
 * @param key the provider's stable identifier of the disk (device key, volume id); used for
 *     checkpoints, so it must not change between two inventories of the same VM
 * @param name a human name (file name, volume name)
 * @param capacityBytes virtual size
 * @param allocatedBytes bytes actually allocated on the source, when known (for scratch budgets)
 * @param bus the bus the source's controller maps to, when it maps to one
 * @param bootOrder the source's boot order (1 = first), when the source sets one
 */
public record SourceDisk(
    int index,
    String key,
    String name,
    long capacityBytes,
    OptionalLong allocatedBytes,
    Optional<DiskBus> bus,
    OptionalInt bootOrder) {
  public SourceDisk {
    if (index < 0) {
      throw new IllegalArgumentException("index is negative: " + index);
    }
    requireNonNull(key, "key is null");
    requireNonNull(name, "name is null");
    if (capacityBytes < 0) {
      throw new IllegalArgumentException("capacityBytes is negative: " + capacityBytes);
    }
    requireNonNull(allocatedBytes, "allocatedBytes is null");
    requireNonNull(bus, "bus is null");
    requireNonNull(bootOrder, "bootOrder is null");
  }

  /** A disk with no allocation, bus or boot order information. */
  public static SourceDisk of(int index, String key, String name, long capacityBytes) {
    return new SourceDisk(
        index,
        key,
        name,
        capacityBytes,
        OptionalLong.empty(),
        Optional.empty(),
        OptionalInt.empty());
  }

  public SourceDisk withBus(DiskBus bus) {
    return new SourceDisk(
        index, key, name, capacityBytes, allocatedBytes, Optional.of(bus), bootOrder);
  }

  public SourceDisk withBootOrder(int order) {
    return new SourceDisk(
        index, key, name, capacityBytes, allocatedBytes, bus, OptionalInt.of(order));
  }

  public SourceDisk withAllocatedBytes(long allocated) {
    return new SourceDisk(
        index, key, name, capacityBytes, OptionalLong.of(allocated), bus, bootOrder);
  }
}
