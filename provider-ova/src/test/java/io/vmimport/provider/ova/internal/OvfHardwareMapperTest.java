package io.vmimport.provider.ova.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.FirmwareType;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.model.SourceVm;
import io.vmimport.provider.ova.SharedOva;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hardware read from real descriptors: VirtualBox's (OVF 2.0), vSphere's and COT's (OVF 1.0). */
class OvfHardwareMapperTest {
  @TempDir Path work;

  private static OvaVm map(String name, byte[] descriptor, Optional<String> configuration) {
    OvfDescriptor ovf = OvfDescriptor.parse(name, descriptor);
    return new OvfHardwareMapper(ovf).map(ovf.virtualSystems().get(0), configuration);
  }

  private static OvaVm mapCot(String file) throws Exception {
    return map(file, Files.readAllBytes(SharedOva.cot(file)), Optional.empty());
  }

  private byte[] virtualBoxDescriptor() throws Exception {
    SharedOva.extract(SharedOva.virtualBox(), work);
    return Files.readAllBytes(work.resolve("ubuntu.2.0.ovf"));
  }

  @Test
  void virtualBoxOvf2() throws Exception {
    SourceVm vm = map("ubuntu.2.0.ovf", virtualBoxDescriptor(), Optional.empty()).vm();

    assertThat(vm.id()).isEqualTo("ubuntu");
    assertThat(vm.name()).isEqualTo("ubuntu");
    assertThat(vm.cpu().vcpus()).isEqualTo(1);
    assertThat(vm.memoryMiB()).isEqualTo(512); // MegaBytes
    assertThat(vm.firmware().type()).isEqualTo(FirmwareType.BIOS);
    assertThat(vm.disks())
        .containsExactly(
            new SourceDisk(
                0,
                "vmdisk1",
                "ubuntu.2.0-disk1.vmdk",
                8L << 30,
                java.util.OptionalLong.empty(),
                Optional.of(DiskBus.SATA), // its StorageItem's parent is the AHCI controller
                OptionalInt.of(3))); // vbox:Machine boots Floppy, DVD, then HardDisk
    // the MAC is only in vbox:Machine, of the one enabled adapter
    assertThat(vm.nics())
        .containsExactly(SourceNic.of(0, "08:00:27:2a:fb:4e", NicModel.E1000, "NAT"));
    assertThat(vm.guestOs()).contains("Ubuntu_64");
    assertThat(vm.description()).isEmpty();
  }

  @Test
  void vSphereOvf1() throws Exception {
    SourceVm vm = mapCot("vmware.ovf").vm();

    assertThat(vm.name()).isEqualTo("vmw");
    assertThat(vm.cpu().vcpus()).isEqualTo(2);
    assertThat(vm.cpu().coresPerSocket()).isEqualTo(2); // vmw:CoresPerSocket
    assertThat(vm.memoryMiB()).isEqualTo(1536); // byte * 2^20
    assertThat(vm.firmware().type()).isEqualTo(FirmwareType.BIOS); // vmw:Config firmware=bios
    assertThat(vm.disks()).hasSize(1);
    SourceDisk disk = vm.disks().get(0);
    assertThat(disk.capacityBytes()).isEqualTo(1L << 30); // 1 in byte * 2^30
    assertThat(disk.allocatedBytes()).hasValue(152576);
    assertThat(disk.bus()).contains(DiskBus.SCSI); // LSI Logic
    assertThat(disk.bootOrder()).isEmpty(); // no BootOrderSection: not invented
    assertThat(vm.nics()).hasSize(4);
    for (SourceNic nic : vm.nics()) {
      assertThat(nic.model()).contains(NicModel.E1000);
      assertThat(nic.network()).contains("lanethernet0");
      assertThat(nic.macAddress()).as("the descriptor gives no MAC").isEmpty();
    }
    assertThat(vm.guestOs()).contains("rhel6_64Guest");
  }

  @Test
  void defaultDeploymentOptionReplacesItemsOfTheSameInstance() throws Exception {
    OvaVm ova = mapCot("input.ovf");

    assertThat(ova.configuration()).contains("4CPU-4GB-3NIC");
    assertThat(ova.vm().cpu().vcpus()).isEqualTo(4);
    assertThat(ova.vm().memoryMiB()).isEqualTo(4096);
    assertThat(ova.vm().nics())
        .hasSize(3)
        .allMatch(n -> n.model().equals(Optional.of(NicModel.VIRTIO)));
    assertThat(ova.vm().description())
        .hasValueSatisfying(d -> assertThat(d).contains("4CPU-4GB-3NIC"));
  }

  @Test
  void namedDeploymentOption() throws Exception {
    OvaVm ova =
        map(
            "input.ovf",
            Files.readAllBytes(SharedOva.cot("input.ovf")),
            Optional.of("1CPU-1GB-1NIC"));

    assertThat(ova.vm().cpu().vcpus()).isEqualTo(1);
    assertThat(ova.vm().memoryMiB()).isEqualTo(1024);
    assertThat(ova.vm().nics()).hasSize(1);
    assertThat(ova.vm().description())
        .hasValueSatisfying(d -> assertThat(d).contains("1CPU-1GB-1NIC"));
  }

  @Test
  void unknownDeploymentOptionListsThem() throws Exception {
    byte[] cot = Files.readAllBytes(SharedOva.cot("input.ovf")); // skips without ../shared
    VmImportException e =
        catchThrowableOfType(
            VmImportException.class, () -> map("input.ovf", cot, Optional.of("huge")));

    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
    assertThat(e.getMessage()).contains("huge", "2CPU-2GB-1NIC");
  }

  @Test
  void efiSecureBootAndEmptyDiskFromVmwConfig() {
    String ovf =
        """
        <Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"
            xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
            xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
            xmlns:vmw="http://www.vmware.com/schema/ovf">
          <References/>
          <DiskSection>
            <Disk ovf:diskId="data" ovf:capacity="2" ovf:capacityAllocationUnits="GigaBytes"/>
          </DiskSection>
          <VirtualSystem ovf:id="vm-7"><Name>db</Name>
            <VirtualHardwareSection>
              <Item><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType>
                <rasd:VirtualQuantity>4</rasd:VirtualQuantity></Item>
              <Item><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType>
                <rasd:AllocationUnits>byte * 2^30</rasd:AllocationUnits>
                <rasd:VirtualQuantity>3</rasd:VirtualQuantity></Item>
              <Item><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceType>20</rasd:ResourceType>
                <rasd:ResourceSubType>vmware.nvme.controller</rasd:ResourceSubType></Item>
              <Item><rasd:InstanceID>4</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType>
                <rasd:Parent>3</rasd:Parent><rasd:HostResource>ovf:/disk/data</rasd:HostResource></Item>
              <Item><rasd:InstanceID>5</rasd:InstanceID><rasd:ResourceType>10</rasd:ResourceType>
                <rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType>
                <rasd:Address>00:50:56:AA:BB:CC</rasd:Address><rasd:Connection>prod</rasd:Connection></Item>
              <vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="efi"/>
              <vmw:Config ovf:required="false" vmw:key="uefi.secureBoot.enabled" vmw:value="true"/>
            </VirtualHardwareSection>
            <vmw:BootOrderSection vmw:instanceId="4" vmw:type="disk"><Info>boot</Info></vmw:BootOrderSection>
          </VirtualSystem>
        </Envelope>
        """;
    OvaVm ova = map("db.ovf", ovf.getBytes(StandardCharsets.UTF_8), Optional.empty());
    SourceVm vm = ova.vm();

    assertThat(vm.id()).isEqualTo("vm-7");
    assertThat(vm.name()).isEqualTo("db");
    assertThat(vm.cpu().vcpus()).isEqualTo(4);
    assertThat(vm.cpu().coresPerSocket()).isEqualTo(1);
    assertThat(vm.memoryMiB()).isEqualTo(3072);
    assertThat(vm.firmware().type()).isEqualTo(FirmwareType.EFI);
    assertThat(vm.firmware().secureBoot()).isTrue();
    assertThat(vm.disks().get(0).capacityBytes()).isEqualTo(2L << 30);
    assertThat(vm.disks().get(0).bus()).contains(DiskBus.VIRTIO);
    assertThat(vm.disks().get(0).bootOrder()).hasValue(1);
    assertThat(ova.disks().get("data").file()).as("a disk without fileRef starts empty").isEmpty();
    assertThat(vm.nics())
        .containsExactly(SourceNic.of(0, "00:50:56:aa:bb:cc", NicModel.VIRTIO, "prod"));
  }

  @Test
  void aDescriptorWithoutCpuOrMemoryIsRefusedNotGuessed() throws Exception {
    byte[] cot = Files.readAllBytes(SharedOva.cot("minimal.ovf")); // skips without ../shared
    VmImportException e =
        catchThrowableOfType(
            VmImportException.class, () -> map("minimal.ovf", cot, Optional.empty()));

    assertThat(e.code()).isEqualTo(ErrorCode.NOT_SUPPORTED);
    assertThat(e.getMessage()).contains("no CPU item");
  }

  @Test
  void ovf09IsRefusedClearly() throws Exception {
    byte[] cot = Files.readAllBytes(SharedOva.cot("v0.9.ovf")); // skips without ../shared
    VmImportException e =
        catchThrowableOfType(VmImportException.class, () -> map("v0.9.ovf", cot, Optional.empty()));

    assertThat(e.code()).isEqualTo(ErrorCode.NOT_SUPPORTED);
    assertThat(e.getMessage()).contains("0.9");
  }

  @Test
  void aDiskNamingAFileOutsideReferencesIsInvalid() throws Exception {
    byte[] cot = Files.readAllBytes(SharedOva.cot("invalid.ovf")); // skips without ../shared
    VmImportException e =
        catchThrowableOfType(
            VmImportException.class, () -> map("invalid.ovf", cot, Optional.empty()));

    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
    assertThat(e.getMessage()).contains("flash2");
  }

  @Test
  void externalEntitiesAreNotRead() throws Exception {
    Path secret = work.resolve("secret.txt");
    Files.writeString(secret, "top-secret-contents");
    String ovf =
        "<?xml version=\"1.0\"?><!DOCTYPE Envelope [<!ENTITY x SYSTEM \""
            + secret.toUri()
            + "\">]><Envelope><VirtualSystem><Name>&x;</Name></VirtualSystem></Envelope>";

    VmImportException e =
        catchThrowableOfType(
            VmImportException.class,
            () -> OvfDescriptor.parse("evil.ovf", ovf.getBytes(StandardCharsets.UTF_8)));

    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
    assertThat(e.getMessage())
        .doesNotContain("top-secret-contents")
        .containsIgnoringCase("DOCTYPE");
  }

  @Test
  void allocationUnits() {
    assertThat(AllocationUnits.bytesPer("byte * 2^20", "m")).isEqualTo(1L << 20);
    assertThat(AllocationUnits.bytesPer("byte*2^30", "m")).isEqualTo(1L << 30);
    assertThat(AllocationUnits.bytesPer("MegaBytes", "m")).isEqualTo(1L << 20);
    assertThat(AllocationUnits.bytesPer("GigaBytes", "m")).isEqualTo(1L << 30);
    assertThat(AllocationUnits.bytesPer("byte * 10^9", "m")).isEqualTo(1_000_000_000L);
    assertThat(AllocationUnits.bytesPer("byte * 1024", "m")).isEqualTo(1024);
    assertThat(AllocationUnits.bytesPer("byte", "m")).isEqualTo(1);
    VmImportException e =
        catchThrowableOfType(
            VmImportException.class, () -> AllocationUnits.bytesPer("hertz * 10^6", "memory"));
    assertThat(e.code()).isEqualTo(ErrorCode.NOT_SUPPORTED);
    assertThat(e.getMessage()).contains("hertz * 10^6");
  }
}
