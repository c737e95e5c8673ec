package io.vmimport.api.guest;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.FirmwareType;
import io.vmimport.api.model.NicModel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One guest to inspect or convert.
 *
 * @param vmName the VM's name, for the converter's metadata and messages
 * @param disks the exported disks in boot order, the boot disk first
 * @param firmware the VM's firmware (a converter regenerates the boot loader's configuration)
 * @param targetBus the bus the boot disk is on in the target VM
 * @param targetNicModel the model of the target VM's NICs; empty for a VM without NICs
 * @param osHint what the source says the guest OS is (VMware's guest id, an image property), when
 *     it says
 * @param timeout how long the call may take before it gives up (and leaves the disks unchanged)
 */
public record GuestConversionRequest(
    String vmName,
    List<GuestDisk> disks,
    FirmwareType firmware,
    DiskBus targetBus,
    Optional<NicModel> targetNicModel,
    Optional<String> osHint,
    Duration timeout) {
  public GuestConversionRequest {
    requireNonNull(vmName, "vmName is null");
    disks = List.copyOf(requireNonNull(disks, "disks is null"));
    if (disks.isEmpty()) {
      throw new IllegalArgumentException("a guest needs at least one disk");
    }
    requireNonNull(firmware, "firmware is null");
    requireNonNull(targetBus, "targetBus is null");
    requireNonNull(targetNicModel, "targetNicModel is null");
    requireNonNull(osHint, "osHint is null");
    requireNonNull(timeout, "timeout is null");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
  }
}
