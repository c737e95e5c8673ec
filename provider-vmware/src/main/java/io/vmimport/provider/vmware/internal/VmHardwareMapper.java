package io.vmimport.provider.vmware.internal;

import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualDeviceFileBackingInfo;
import com.vmware.vim25.VirtualDisk;
import com.vmware.vim25.VirtualE1000;
import com.vmware.vim25.VirtualE1000e;
import com.vmware.vim25.VirtualEthernetCard;
import com.vmware.vim25.VirtualEthernetCardDistributedVirtualPortBackingInfo;
import com.vmware.vim25.VirtualEthernetCardNetworkBackingInfo;
import com.vmware.vim25.VirtualEthernetCardOpaqueNetworkBackingInfo;
import com.vmware.vim25.VirtualMachineBootOptionsBootableDiskDevice;
import com.vmware.vim25.VirtualMachineConfigInfo;
import com.vmware.vim25.VirtualPCNet32;
import com.vmware.vim25.VirtualVmxnet;
import io.vmimport.api.model.Cpu;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.model.SourceVm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Maps a VM's {@code config} to the neutral {@link SourceVm}. Fields newer than yavijava 6.0's
 * model (secure boot, boot order, vTPM, NVMe controllers) come from the reader's extras.
 */
public final class VmHardwareMapper {
  private final Function<Object, Optional<TolerantSoapReader.Extras>> extras;
  private final Function<String, Optional<String>> portgroupName;

  /**
   * @param extras what the reader kept beside the model for an object
   * @param portgroupName the name of a distributed portgroup by its key
   */
  public VmHardwareMapper(
      Function<Object, Optional<TolerantSoapReader.Extras>> extras,
      Function<String, Optional<String>> portgroupName) {
    this.extras = extras;
    this.portgroupName = portgroupName;
  }

  public SourceVm map(ManagedObjectReference vm, VirtualMachineConfigInfo config) {
    var hardware = config.getHardware();
    VirtualDevice[] devices =
        hardware.getDevice() == null ? new VirtualDevice[0] : hardware.getDevice();
    Map<Integer, VirtualDevice> byKey = new HashMap<>();
    for (VirtualDevice device : devices) {
      if (device != null) {
        byKey.put(device.getKey(), device);
      }
    }
    int vcpus = Math.max(1, hardware.getNumCPU());
    Integer coresPerSocket = hardware.getNumCoresPerSocket();
    Cpu cpu = new Cpu(vcpus, coresPerSocket == null || coresPerSocket < 1 ? 1 : coresPerSocket);

    List<Integer> bootDiskKeys = bootDiskKeys(config);
    List<SourceDisk> disks = new ArrayList<>();
    List<SourceNic> nics = new ArrayList<>();
    boolean tpm = false;
    for (VirtualDevice device : devices) {
      if (device instanceof VirtualDisk disk) {
        disks.add(disk(disks.size(), disk, byKey, bootDiskKeys));
      } else if (device instanceof VirtualEthernetCard nic) {
        nics.add(nic(nics.size(), nic));
      } else if (device != null && "VirtualTPM".equals(typeName(device))) {
        tpm = true;
      }
    }
    boolean secureBoot =
        Optional.ofNullable(config.getBootOptions())
            .flatMap(extras)
            .map(e -> "true".equals(e.fields().get("efiSecureBootEnabled")))
            .orElse(false);
    Firmware firmware =
        "efi".equalsIgnoreCase(config.getFirmware())
            ? Firmware.efi(secureBoot, tpm)
            : new Firmware(io.vmimport.api.model.FirmwareType.BIOS, false, tpm);
    return new SourceVm(
        vm.getVal(),
        config.getName(),
        cpu,
        Math.max(1, hardware.getMemoryMB()),
        firmware,
        disks,
        nics,
        Optional.ofNullable(config.getAnnotation()).filter(a -> !a.isBlank()),
        Optional.ofNullable(config.getGuestId()).filter(g -> !g.isBlank()));
  }

  /** The disk keys of the VM's boot order, in order; empty when the VM has none. */
  private static List<Integer> bootDiskKeys(VirtualMachineConfigInfo config) {
    List<Integer> keys = new ArrayList<>();
    if (config.getBootOptions() != null && config.getBootOptions().getBootOrder() != null) {
      for (var device : config.getBootOptions().getBootOrder()) {
        if (device instanceof VirtualMachineBootOptionsBootableDiskDevice disk) {
          keys.add(disk.getDeviceKey());
        }
      }
    }
    return keys;
  }

  private SourceDisk disk(
      int index, VirtualDisk disk, Map<Integer, VirtualDevice> byKey, List<Integer> bootDiskKeys) {
    long capacity =
        disk.getCapacityInBytes() != null && disk.getCapacityInBytes() > 0
            ? disk.getCapacityInBytes()
            : disk.getCapacityInKB() * 1024L;
    VirtualDevice controller =
        disk.getControllerKey() == null ? null : byKey.get(disk.getControllerKey());
    String key = diskKey(disk, controller);
    String name = diskName(index, disk);
    OptionalInt bootOrder;
    if (bootDiskKeys.isEmpty()) {
      bootOrder = OptionalInt.of(index + 1);
    } else {
      int position = bootDiskKeys.indexOf(disk.getKey());
      bootOrder = position < 0 ? OptionalInt.empty() : OptionalInt.of(position + 1);
    }
    return new SourceDisk(
        index,
        key,
        name,
        capacity,
        OptionalLong.empty(),
        controller == null ? Optional.empty() : busOf(typeName(controller)),
        bootOrder);
  }

  /**
   * The disk's address as NFC device URL keys write it, {@code <ControllerType><bus>:<unit>}:
   * stable across sessions, unlike device keys.
   */
  public String diskKey(VirtualDisk disk, VirtualDevice controller) {
    int unit = disk.getUnitNumber() == null ? 0 : disk.getUnitNumber();
    if (controller == null) {
      return "disk-" + disk.getKey();
    }
    return typeName(controller) + busNumber(controller) + ":" + unit;
  }

  private int busNumber(VirtualDevice controller) {
    if (controller instanceof com.vmware.vim25.VirtualController known) {
      return known.getBusNumber();
    }
    // a controller type newer than the model (NVMe): its bus number is in the extras
    return extras
        .apply(controller)
        .map(e -> e.fields().get("busNumber"))
        .map(Integer::valueOf)
        .orElse(0);
  }

  private static String diskName(int index, VirtualDisk disk) {
    if (disk.getBacking() instanceof VirtualDeviceFileBackingInfo file
        && file.getFileName() != null) {
      String path = file.getFileName();
      String base =
          path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf(']')) + 1).trim();
      if (base.toLowerCase(Locale.ROOT).endsWith(".vmdk")) {
        base = base.substring(0, base.length() - 5);
      }
      if (!base.isBlank()) {
        return base;
      }
    }
    return "disk-" + index;
  }

  /** The vim25 type name of a device, also for types newer than the model. */
  public String typeName(Object device) {
    return extras
        .apply(device)
        .flatMap(TolerantSoapReader.Extras::xsiType)
        .orElse(device.getClass().getSimpleName());
  }

  static Optional<DiskBus> busOf(String controllerType) {
    return switch (controllerType) {
      // KubeVirt has no paravirtual SCSI; SATA boots every guest without extra drivers
      case "ParaVirtualSCSIController" -> Optional.of(DiskBus.SATA);
      case "VirtualLsiLogicController",
          "VirtualBusLogicController",
          "VirtualLsiLogicSASController" ->
          Optional.of(DiskBus.SCSI);
      case "VirtualAHCIController", "VirtualSATAController", "VirtualIDEController" ->
          Optional.of(DiskBus.SATA);
      case "VirtualNVMEController" -> Optional.of(DiskBus.VIRTIO);
      default -> Optional.empty();
    };
  }

  private SourceNic nic(int index, VirtualEthernetCard nic) {
    return new SourceNic(
        index, Optional.ofNullable(nic.getMacAddress()).orElse(""), modelOf(nic), networkOf(nic));
  }

  static Optional<NicModel> modelOf(VirtualEthernetCard nic) {
    if (nic instanceof VirtualVmxnet) {
      return Optional.of(NicModel.VIRTIO);
    }
    if (nic instanceof VirtualE1000e) {
      return Optional.of(NicModel.E1000E);
    }
    if (nic instanceof VirtualE1000) {
      return Optional.of(NicModel.E1000);
    }
    if (nic instanceof VirtualPCNet32) {
      return Optional.of(NicModel.PCNET);
    }
    return Optional.empty();
  }

  private Optional<String> networkOf(VirtualEthernetCard nic) {
    var backing = nic.getBacking();
    if (backing instanceof VirtualEthernetCardNetworkBackingInfo network) {
      return Optional.ofNullable(network.getDeviceName());
    }
    if (backing instanceof VirtualEthernetCardDistributedVirtualPortBackingInfo dvs
        && dvs.getPort() != null
        && dvs.getPort().getPortgroupKey() != null) {
      String key = dvs.getPort().getPortgroupKey();
      return Optional.of(portgroupName.apply(key).orElse(key));
    }
    if (backing instanceof VirtualEthernetCardOpaqueNetworkBackingInfo opaque) {
      return Optional.ofNullable(opaque.getOpaqueNetworkId());
    }
    return Optional.empty();
  }
}
