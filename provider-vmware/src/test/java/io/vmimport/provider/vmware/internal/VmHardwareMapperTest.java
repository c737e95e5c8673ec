package io.vmimport.provider.vmware.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.DistributedVirtualSwitchPortConnection;
import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.ParaVirtualSCSIController;
import com.vmware.vim25.VirtualAHCIController;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualDeviceFileBackingInfo;
import com.vmware.vim25.VirtualDisk;
import com.vmware.vim25.VirtualDiskFlatVer2BackingInfo;
import com.vmware.vim25.VirtualE1000;
import com.vmware.vim25.VirtualEthernetCard;
import com.vmware.vim25.VirtualEthernetCardDistributedVirtualPortBackingInfo;
import com.vmware.vim25.VirtualEthernetCardNetworkBackingInfo;
import com.vmware.vim25.VirtualHardware;
import com.vmware.vim25.VirtualLsiLogicSASController;
import com.vmware.vim25.VirtualMachineBootOptions;
import com.vmware.vim25.VirtualMachineBootOptionsBootableDevice;
import com.vmware.vim25.VirtualMachineBootOptionsBootableDiskDevice;
import com.vmware.vim25.VirtualMachineConfigInfo;
import com.vmware.vim25.VirtualPCNet32;
import com.vmware.vim25.VirtualVmxnet2;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.FirmwareType;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceVm;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VmHardwareMapperTest {
  private final Map<Object, TolerantSoapReader.Extras> extras = new IdentityHashMap<>();
  private final Map<String, String> portgroups = new HashMap<>(Map.of("dvportgroup-9", "PG-Prod"));
  private final VmHardwareMapper mapper =
      new VmHardwareMapper(
          o -> Optional.ofNullable(extras.get(o)), key -> Optional.ofNullable(portgroups.get(key)));

  private static <T extends VirtualDevice> T device(
      T device, int key, Integer controllerKey, Integer unit) {
    device.setKey(key);
    device.setControllerKey(controllerKey);
    device.setUnitNumber(unit);
    return device;
  }

  private static VirtualDisk disk(
      int key, int controllerKey, int unit, long kb, Long bytes, String file) {
    VirtualDisk disk = device(new VirtualDisk(), key, controllerKey, unit);
    disk.setCapacityInKB(kb);
    disk.setCapacityInBytes(bytes);
    VirtualDeviceFileBackingInfo backing = new VirtualDiskFlatVer2BackingInfo();
    backing.setFileName(file);
    disk.setBacking(backing);
    return disk;
  }

  private static VirtualEthernetCard nic(VirtualEthernetCard nic, int key, String mac) {
    device(nic, key, 100, 7);
    nic.setMacAddress(mac);
    return nic;
  }

  private VirtualMachineConfigInfo config(String firmware, VirtualDevice... devices) {
    VirtualHardware hardware = new VirtualHardware();
    hardware.setNumCPU(6);
    hardware.setNumCoresPerSocket(3);
    hardware.setMemoryMB(3072);
    hardware.setDevice(devices);
    VirtualMachineConfigInfo config = new VirtualMachineConfigInfo();
    config.setName("db01");
    config.setFirmware(firmware);
    config.setHardware(hardware);
    config.setAnnotation("");
    config.setGuestId("rhel8_64Guest");
    return config;
  }

  private SourceVm map(VirtualMachineConfigInfo config) {
    return mapper.map(VimConnection.mor("VirtualMachine", "vm-9"), config);
  }

  @Test
  void mapsControllersToBusesAndPrefersCapacityInBytes() {
    ParaVirtualSCSIController pvscsi = device(new ParaVirtualSCSIController(), 1000, 100, 3);
    pvscsi.setBusNumber(0);
    VirtualLsiLogicSASController sas = device(new VirtualLsiLogicSASController(), 1001, 100, 4);
    sas.setBusNumber(1);
    VirtualAHCIController ahci = device(new VirtualAHCIController(), 15000, 100, 5);
    ahci.setBusNumber(0);
    VirtualDevice nvme = device(new VirtualDevice(), 31000, 100, 6);
    extras.put(
        nvme,
        new TolerantSoapReader.Extras(
            Optional.of("VirtualNVMEController"), Map.of("busNumber", "2"), Map.of()));

    SourceVm vm =
        map(
            config(
                "bios",
                pvscsi,
                sas,
                ahci,
                nvme,
                disk(2000, 1000, 0, 1024, null, "[ds] db01/db01.vmdk"),
                disk(2001, 1001, 1, 1024, 5_000_000L, "[ds] db01/db01_1.vmdk"),
                disk(2002, 15000, 0, 2048, 0L, "[ds] db01/db01_2.vmdk"),
                disk(2003, 31000, 0, 1, null, "[ds] db01/db01_3.vmdk")));

    assertThat(vm.disks())
        .extracting(d -> d.key(), d -> d.bus().orElse(null), d -> d.capacityBytes(), d -> d.name())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "ParaVirtualSCSIController0:0", DiskBus.SATA, 1024L * 1024, "db01"),
            org.assertj.core.groups.Tuple.tuple(
                "VirtualLsiLogicSASController1:1", DiskBus.SCSI, 5_000_000L, "db01_1"),
            org.assertj.core.groups.Tuple.tuple(
                "VirtualAHCIController0:0", DiskBus.SATA, 2048L * 1024, "db01_2"),
            org.assertj.core.groups.Tuple.tuple(
                "VirtualNVMEController2:0", DiskBus.VIRTIO, 1024L, "db01_3"));
    assertThat(vm.disks()).extracting(d -> d.bootOrder().getAsInt()).containsExactly(1, 2, 3, 4);
    assertThat(vm.cpu().sockets()).isEqualTo(2);
    assertThat(vm.cpu().coresPerSocket()).isEqualTo(3);
    assertThat(vm.memoryMiB()).isEqualTo(3072);
    assertThat(vm.firmware().type()).isEqualTo(FirmwareType.BIOS);
    assertThat(vm.description()).isEmpty();
    assertThat(vm.guestOs()).contains("rhel8_64Guest");
  }

  @Test
  void bootOrderComesFromBootOptionsWhenSet() {
    ParaVirtualSCSIController pvscsi = device(new ParaVirtualSCSIController(), 1000, 100, 3);
    VirtualMachineConfigInfo config =
        config(
            "efi",
            pvscsi,
            disk(2000, 1000, 0, 1024, null, "[ds] a.vmdk"),
            disk(2001, 1000, 1, 1024, null, "[ds] b.vmdk"));
    VirtualMachineBootOptions boot = new VirtualMachineBootOptions();
    config.setBootOptions(boot);
    VirtualMachineBootOptionsBootableDiskDevice second =
        new VirtualMachineBootOptionsBootableDiskDevice();
    second.setDeviceKey(2001);
    boot.setBootOrder(new VirtualMachineBootOptionsBootableDevice[] {second});
    extras.put(
        boot,
        new TolerantSoapReader.Extras(
            Optional.empty(), Map.of("efiSecureBootEnabled", "true"), Map.of()));
    VirtualDevice tpm = device(new VirtualDevice(), 11000, null, null);
    extras.put(tpm, new TolerantSoapReader.Extras(Optional.of("VirtualTPM"), Map.of(), Map.of()));
    VirtualDevice[] devices = config.getHardware().getDevice();
    VirtualDevice[] withTpm = java.util.Arrays.copyOf(devices, devices.length + 1);
    withTpm[devices.length] = tpm;
    config.getHardware().setDevice(withTpm);

    SourceVm vm = map(config);

    assertThat(vm.disks().get(0).bootOrder()).isEmpty();
    assertThat(vm.disks().get(1).bootOrder()).hasValue(1);
    assertThat(vm.firmware().type()).isEqualTo(FirmwareType.EFI);
    assertThat(vm.firmware().secureBoot()).isTrue();
    assertThat(vm.firmware().tpm()).isTrue();
  }

  @Test
  void mapsNicModelsMacsAndNetworksOfStandardAndDistributedPortgroups() {
    VirtualEthernetCard vmxnet2 = nic(new VirtualVmxnet2(), 4000, "00:50:56:00:00:01");
    VirtualEthernetCardNetworkBackingInfo standard = new VirtualEthernetCardNetworkBackingInfo();
    standard.setDeviceName("VM Network");
    standard.setNetwork(VimConnection.mor("Network", "network-1"));
    vmxnet2.setBacking(standard);
    VirtualEthernetCard e1000 = nic(new VirtualE1000(), 4001, "00:50:56:00:00:02");
    VirtualEthernetCardDistributedVirtualPortBackingInfo dvs =
        new VirtualEthernetCardDistributedVirtualPortBackingInfo();
    DistributedVirtualSwitchPortConnection port = new DistributedVirtualSwitchPortConnection();
    port.setPortgroupKey("dvportgroup-9");
    dvs.setPort(port);
    e1000.setBacking(dvs);
    VirtualEthernetCard pcnet = nic(new VirtualPCNet32(), 4002, "00:50:56:00:00:03");

    SourceVm vm = map(config("bios", vmxnet2, e1000, pcnet));

    assertThat(vm.nics())
        .extracting(n -> n.macAddress(), n -> n.model().orElse(null), n -> n.network().orElse(null))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("00:50:56:00:00:01", NicModel.VIRTIO, "VM Network"),
            org.assertj.core.groups.Tuple.tuple("00:50:56:00:00:02", NicModel.E1000, "PG-Prod"),
            org.assertj.core.groups.Tuple.tuple("00:50:56:00:00:03", NicModel.PCNET, null));
  }

  @Test
  void unknownControllerLeavesTheBusToTheDefault() {
    assertThat(VmHardwareMapper.busOf("VirtualLsiLogicController")).contains(DiskBus.SCSI);
    assertThat(VmHardwareMapper.busOf("VirtualBusLogicController")).contains(DiskBus.SCSI);
    assertThat(VmHardwareMapper.busOf("VirtualIDEController")).contains(DiskBus.SATA);
    assertThat(VmHardwareMapper.busOf("VirtualSATAController")).contains(DiskBus.SATA);
    assertThat(VmHardwareMapper.busOf("SomethingNew")).isEmpty();
  }

  @Test
  void nfcUrlsGetTheEndpointHost() {
    assertThat(VmwareExportSession.withHost("https://*/nfc/52a/disk-0.vmdk", "vc.example:8443"))
        .isEqualTo("https://vc.example:8443/nfc/52a/disk-0.vmdk");
    assertThat(VmwareExportSession.withHost("https://esx1.example/nfc/52a/disk-0.vmdk", "vc"))
        .isEqualTo("https://esx1.example/nfc/52a/disk-0.vmdk");
  }

  @SuppressWarnings("unused")
  private static ManagedObjectReference unused() {
    return null;
  }
}
