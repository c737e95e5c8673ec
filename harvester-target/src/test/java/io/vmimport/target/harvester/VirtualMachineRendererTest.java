package io.vmimport.target.harvester;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.target.NetworkAttachment;
import io.vmimport.api.target.TargetNic;
import io.vmimport.api.target.TargetVm;
import io.vmimport.target.harvester.internal.VirtualMachineRenderer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VirtualMachineRendererTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final List<String> CLAIMS = List.of("claim-boot", "claim-data", "claim-logs");

  private static JsonNode render(TargetVm vm) throws Exception {
    GenericKubernetesResource machine = VirtualMachineRenderer.render(vm, CLAIMS);
    return JSON.readTree(SERIALIZATION.asJson(machine));
  }

  @Test
  void cpuIsSocketsTimesCoresAndMemoryIsExactMebibytes() throws Exception {
    JsonNode domain =
        render(TestVms.webServer("vms", "import-web", Optional.empty()))
            .at("/spec/template/spec/domain");

    assertThat(domain.at("/cpu/sockets").asInt()).isEqualTo(2);
    assertThat(domain.at("/cpu/cores").asInt()).isEqualTo(4);
    assertThat(domain.at("/cpu/threads").asInt()).isEqualTo(1);
    assertThat(domain.at("/memory/guest").asText()).isEqualTo("6144Mi");
    assertThat(domain.at("/resources/limits/cpu").asInt()).isEqualTo(8);
    assertThat(domain.at("/resources/limits/memory").asText()).isEqualTo("6144Mi");
  }

  @Test
  void efiWithSecureBootGetsSmmAndTpm() throws Exception {
    JsonNode domain =
        render(TestVms.webServer("vms", "import-web", Optional.empty()))
            .at("/spec/template/spec/domain");

    assertThat(domain.at("/firmware/bootloader/efi/secureBoot").asBoolean()).isTrue();
    assertThat(domain.at("/features/smm/enabled").asBoolean()).isTrue();
    assertThat(domain.at("/features/acpi/enabled").asBoolean()).isTrue();
    assertThat(domain.at("/devices/tpm").isObject()).isTrue();
  }

  @Test
  void efiWithoutSecureBootSaysSoAndBiosHasNoSmm() throws Exception {
    TargetVm base = TestVms.webServer("vms", "import-web", Optional.empty());
    JsonNode efi = render(withFirmware(base, Firmware.efi(false, false))).at("/spec/template/spec");
    assertThat(efi.at("/domain/firmware/bootloader/efi/secureBoot").isBoolean()).isTrue();
    assertThat(efi.at("/domain/firmware/bootloader/efi/secureBoot").asBoolean()).isFalse();
    assertThat(efi.at("/domain/features/smm").isMissingNode()).isTrue();
    assertThat(efi.at("/domain/devices/tpm").isMissingNode()).isTrue();

    JsonNode bios = render(withFirmware(base, Firmware.BIOS)).at("/spec/template/spec");
    assertThat(bios.at("/domain/firmware/bootloader/bios").isObject()).isTrue();
    assertThat(bios.at("/domain/features/smm").isMissingNode()).isTrue();

    Crds.assertValid(
        Crds.VIRTUAL_MACHINES,
        VirtualMachineRenderer.render(withFirmware(base, Firmware.BIOS), CLAIMS));
  }

  @Test
  void disksKeepBusAndBootOrderAndUseTheirClaims() throws Exception {
    JsonNode spec =
        render(TestVms.webServer("vms", "import-web", Optional.empty())).at("/spec/template/spec");

    JsonNode disks = spec.at("/domain/devices/disks");
    assertThat(disks).hasSize(3);
    assertThat(disks.get(0).at("/name").asText()).isEqualTo("disk-0");
    assertThat(disks.get(0).at("/disk/bus").asText()).isEqualTo("sata");
    assertThat(disks.get(0).at("/bootOrder").asInt()).isEqualTo(1);
    assertThat(disks.get(1).at("/disk/bus").asText()).isEqualTo("scsi");
    assertThat(disks.get(1).at("/bootOrder").asInt()).isEqualTo(2);
    assertThat(disks.get(2).at("/disk/bus").asText()).isEqualTo("virtio");
    assertThat(disks.get(2).at("/bootOrder").asInt()).isEqualTo(3);
    JsonNode volumes = spec.at("/volumes");
    assertThat(volumes.get(0).at("/name").asText()).isEqualTo("disk-0");
    assertThat(volumes.get(0).at("/persistentVolumeClaim/claimName").asText())
        .isEqualTo("claim-boot");
    assertThat(volumes.get(2).at("/persistentVolumeClaim/claimName").asText())
        .isEqualTo("claim-logs");
  }

  @Test
  void mappedNicsBridgeOnMultusWithTheirMacAndTheUnmappedOneUsesThePodNetwork() throws Exception {
    JsonNode spec =
        render(TestVms.webServer("vms", "import-web", Optional.empty())).at("/spec/template/spec");

    JsonNode interfaces = spec.at("/domain/devices/interfaces");
    JsonNode networks = spec.at("/networks");
    assertThat(interfaces).hasSize(3);
    assertThat(networks).hasSize(3);
    assertThat(interfaces.get(0).at("/bridge").isObject()).isTrue();
    assertThat(interfaces.get(0).at("/macAddress").asText()).isEqualTo("00:50:56:aa:bb:01");
    assertThat(interfaces.get(0).at("/model").asText()).isEqualTo("e1000e");
    assertThat(networks.get(0).at("/multus/networkName").asText()).isEqualTo("vms/vlan10");
    assertThat(interfaces.get(1).at("/bridge").isObject()).isTrue();
    assertThat(interfaces.get(1).at("/model").asText()).isEqualTo("virtio");
    assertThat(networks.get(1).at("/multus/networkName").asText()).isEqualTo("infra/storage-net");
    assertThat(interfaces.get(2).at("/masquerade").isObject()).isTrue();
    assertThat(interfaces.get(2).at("/bridge").isMissingNode()).isTrue();
    assertThat(interfaces.get(2).at("/model").asText()).isEqualTo("rtl8139");
    assertThat(interfaces.get(2).at("/macAddress").asText()).isEqualTo("00:50:56:aa:bb:03");
    assertThat(networks.get(2).at("/pod").isObject()).isTrue();
    for (int i = 0; i < 3; i++) {
      assertThat(networks.get(i).at("/name").asText())
          .isEqualTo(interfaces.get(i).at("/name").asText());
    }
  }

  @Test
  void strategiesLabelsAndDescription() throws Exception {
    JsonNode vm = render(TestVms.webServer("vms", "import-web", Optional.empty()));

    assertThat(vm.at("/apiVersion").asText()).isEqualTo("kubevirt.io/v1");
    assertThat(vm.at("/kind").asText()).isEqualTo("VirtualMachine");
    assertThat(vm.at("/metadata/name").asText()).isEqualTo("web-server-01-production-frankfurt");
    assertThat(vm.at("/metadata/namespace").asText()).isEqualTo("vms");
    assertThat(vm.at("/spec/runStrategy").asText()).isEqualTo("RerunOnFailure");
    assertThat(vm.at("/spec/running").isMissingNode()).isTrue();
    assertThat(vm.at("/spec/template/spec/evictionStrategy").asText())
        .isEqualTo("LiveMigrateIfPossible");
    assertThat(vm.at("/metadata/labels/migration.harvesterhci.io~1imported").asText())
        .isEqualTo("true");
    assertThat(vm.at("/metadata/labels/vmimport.io~1import").asText()).isEqualTo("import-web");
    assertThat(vm.at("/metadata/labels/vmimport.io~1import-uid").asText())
        .isEqualTo("uid-import-web");
    assertThat(vm.at("/spec/template/metadata/labels/harvesterhci.io~1vmName").asText())
        .isEqualTo("web-server-01-production-frankfurt");
    assertThat(vm.at("/metadata/annotations/field.cattle.io~1description").asText())
        .isEqualTo("Customer portal front end\nowner: web team");
  }

  @Test
  void theRenderedVmIsValidForKubeVirtsSchema() {
    Crds.assertValid(
        Crds.VIRTUAL_MACHINES,
        VirtualMachineRenderer.render(
            TestVms.webServer("vms", "import-web", Optional.of("longhorn")), CLAIMS));
  }

  @Test
  void theSchemaCheckCatchesAFieldKubeVirtWouldDrop() throws Exception {
    Crds.assumePresent();
    ObjectNode vm = (ObjectNode) render(TestVms.webServer("vms", "import-web", Optional.empty()));
    ((ObjectNode) vm.at("/spec/template/spec/domain/cpu")).put("socket", 2);

    assertThat(Crds.violations(Crds.VIRTUAL_MACHINES, vm))
        .anySatisfy(m -> assertThat(m.getMessage()).contains("socket"));
  }

  @Test
  void twoUnmappedNicsCannotShareThePodNetwork() {
    TargetVm base = TestVms.webServer("vms", "import-web", Optional.empty());
    List<TargetNic> nics = new ArrayList<>(base.nics());
    nics.add(
        new TargetNic(
            "nic-3",
            SourceNic.of(3, "00:50:56:aa:bb:04", NicModel.VIRTIO, "DMZ"),
            "00:50:56:aa:bb:04",
            NicModel.VIRTIO,
            NetworkAttachment.POD));
    TargetVm vm = withNics(base, nics);

    assertThatThrownBy(() -> VirtualMachineRenderer.render(vm, CLAIMS))
        .isInstanceOfSatisfying(
            VmImportException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC))
        .hasMessageContaining("nic-2 (Unmapped Backup LAN)")
        .hasMessageContaining("nic-3 (DMZ)")
        .hasMessageContaining("spec.networkMapping");
  }

  static TargetVm withFirmware(TargetVm vm, Firmware firmware) {
    return new TargetVm(
        vm.importRef(),
        vm.name(),
        vm.sourceName(),
        vm.description(),
        vm.cpu(),
        vm.memoryMiB(),
        firmware,
        vm.disks(),
        vm.nics(),
        vm.storageClass());
  }

  static TargetVm withNics(TargetVm vm, List<TargetNic> nics) {
    return new TargetVm(
        vm.importRef(),
        vm.name(),
        vm.sourceName(),
        vm.description(),
        vm.cpu(),
        vm.memoryMiB(),
        vm.firmware(),
        vm.disks(),
        nics,
        vm.storageClass());
  }
}
