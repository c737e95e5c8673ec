package io.vmimport.target.harvester.internal;

import static io.vmimport.target.harvester.internal.HarvesterKeys.*;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.FirmwareType;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetNic;
import io.vmimport.api.target.TargetVm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders core's neutral {@link TargetVm} as a KubeVirt VirtualMachine, fixing upstream's mapping
 * bugs (charts/vmimport-operator/docs/COMPAT.md): CPU as sockets × cores, memory in {@code Mi},
 * every NIC kept (unmapped ones on the pod network), disks in the source's boot order.
 */
public final class VirtualMachineRenderer {
  private VirtualMachineRenderer() {}

  /**
   * @param claimNames the PVC of each disk, in the order of {@link TargetVm#disks()}
   */
  public static GenericKubernetesResource render(TargetVm vm, List<String> claimNames) {
    if (claimNames.size() != vm.disks().size()) {
      throw new IllegalArgumentException(
          vm.disks().size() + " disks but " + claimNames.size() + " volume claims");
    }
    long podNics = vm.nics().stream().filter(n -> n.network().podNetwork()).count();
    if (podNics > 1) {
      throw new VmImportException(ErrorCode.INVALID_SPEC, podNetworkMessage(vm));
    }
    String memory = vm.memoryMiB() + "Mi";

    Map<String, Object> cpu = new LinkedHashMap<>();
    cpu.put("sockets", vm.cpu().sockets());
    cpu.put("cores", vm.cpu().cores());
    cpu.put("threads", vm.cpu().threads());

    Map<String, Object> features = new LinkedHashMap<>();
    features.put("acpi", Map.of("enabled", true));
    Map<String, Object> firmware = new LinkedHashMap<>();
    if (vm.firmware().type() == FirmwareType.EFI) {
      // KubeVirt turns secure boot on by default for EFI: say false explicitly when the source has
      // it off, or a VM without signed boot loaders would not boot.
      firmware.put("bootloader", Map.of("efi", Map.of("secureBoot", vm.firmware().secureBoot())));
      if (vm.firmware().secureBoot()) {
        features.put("smm", Map.of("enabled", true));
      }
    } else {
      firmware.put("bootloader", Map.of("bios", Map.of()));
    }

    List<Object> disks = new ArrayList<>();
    List<Object> volumes = new ArrayList<>();
    for (int i = 0; i < vm.disks().size(); i++) {
      TargetDisk disk = vm.disks().get(i);
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", disk.name());
      entry.put("bootOrder", disk.bootOrder());
      entry.put("disk", Map.of("bus", disk.bus().wireValue()));
      disks.add(entry);
      volumes.add(
          Map.of(
              "name",
              disk.name(),
              "persistentVolumeClaim",
              Map.of("claimName", claimNames.get(i))));
    }

    List<Object> interfaces = new ArrayList<>();
    List<Object> networks = new ArrayList<>();
    for (TargetNic nic : vm.nics()) {
      Map<String, Object> iface = new LinkedHashMap<>();
      iface.put("name", nic.name());
      iface.put("model", nic.model().wireValue());
      iface.put("macAddress", nic.macAddress());
      Map<String, Object> network = new LinkedHashMap<>();
      network.put("name", nic.name());
      if (nic.network().podNetwork()) {
        iface.put("masquerade", Map.of());
        network.put("pod", Map.of());
      } else {
        iface.put("bridge", Map.of());
        network.put("multus", Map.of("networkName", nic.network().toString()));
      }
      interfaces.add(iface);
      networks.add(network);
    }

    Map<String, Object> devices = new LinkedHashMap<>();
    devices.put("disks", disks);
    devices.put("interfaces", interfaces);
    if (vm.firmware().tpm()) {
      devices.put("tpm", Map.of());
    }

    Map<String, Object> domain = new LinkedHashMap<>();
    domain.put("cpu", cpu);
    domain.put("memory", Map.of("guest", memory));
    // Harvester requires limits; they equal what the source VM had
    domain.put("resources", Map.of("limits", Map.of("cpu", vm.cpu().vcpus(), "memory", memory)));
    domain.put("features", features);
    domain.put("firmware", firmware);
    domain.put("devices", devices);

    Map<String, Object> templateSpec = new LinkedHashMap<>();
    templateSpec.put("evictionStrategy", "LiveMigrateIfPossible");
    templateSpec.put("domain", domain);
    templateSpec.put("networks", networks);
    templateSpec.put("volumes", volumes);

    Map<String, Object> template = new LinkedHashMap<>();
    template.put("metadata", Map.of("labels", Map.of(VM_NAME_LABEL, vm.name())));
    template.put("spec", templateSpec);

    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("runStrategy", "RerunOnFailure");
    spec.put("template", template);

    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(IMPORTED_LABEL, "true");
    labels.putAll(ImportOwnership.labels(vm.importRef()));
    Map<String, String> annotations = new LinkedHashMap<>();
    vm.description()
        .filter(d -> !d.isBlank())
        .ifPresent(d -> annotations.put(DESCRIPTION_ANNOTATION, d));

    return new GenericKubernetesResourceBuilder()
        .withApiVersion(VM_API_VERSION)
        .withKind(VM_KIND)
        .withNewMetadata()
        .withName(vm.name())
        .withNamespace(vm.importRef().namespace())
        .withLabels(labels)
        .withAnnotations(annotations)
        .endMetadata()
        .withAdditionalProperties(Map.of("spec", spec))
        .build();
  }

  /** Why the VM cannot be built when several NICs fall back to the pod network. */
  public static String podNetworkMessage(TargetVm vm) {
    List<String> unmapped =
        vm.nics().stream()
            .filter(n -> n.network().podNetwork())
            .map(n -> n.name() + " (" + n.source().network().orElse("disconnected") + ")")
            .toList();
    return "only one NIC can use the pod network, but "
        + unmapped
        + " have no network mapping: add spec.networkMapping entries for their source networks";
  }
}
