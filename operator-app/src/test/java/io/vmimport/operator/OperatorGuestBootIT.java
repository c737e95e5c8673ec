package io.vmimport.operator;

import static io.vmimport.operator.TestCluster.NS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmimport.api.guest.GuestConversionPolicy;
import io.vmimport.bootcheck.BootCheck;
import io.vmimport.bootcheck.BootResult;
import io.vmimport.bootcheck.BootResult.Outcome;
import io.vmimport.bootcheck.DiskImage;
import io.vmimport.bootcheck.GuestImage;
import io.vmimport.bootcheck.GuestReport;
import io.vmimport.bootcheck.HostTools;
import io.vmimport.bootcheck.KubevirtVm;
import io.vmimport.bootcheck.QemuSetup;
import io.vmimport.bootcheck.SourceGuestVm;
import io.vmimport.operator.crd.Condition;
import io.vmimport.operator.crd.CredentialsReference;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.operator.crd.VmwareSource;
import io.vmimport.operator.crd.VmwareSourceSpec;
import io.vmimport.provider.vmware.VcsimWorlds;
import io.vmimport.target.harvester.Crds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #16's proof through the operator: the VMware-shaped Debian guest is the disk of a vcsim VM,
 * the operator imports it (mock API server with the real CRDs, the fake Harvester downloading the
 * images it serves), and the VirtualMachine object the operator wrote boots under QEMU from the
 * images Harvester got. The guest then reports the source VM's CPUs, memory and MACs. Once in
 * process, once with {@code diskWork: jobs}, where a worker Job converts the guest.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorGuestBootIT {
  /** The guest is built once per build folder, by boot-check's ITs when they ran first. */
  static final Path GUEST_SCRIPT =
      Path.of(System.getProperty("guest.script", "../boot-check/test-peer/guest/build-guest.sh"));

  static final Path GUEST_CACHE =
      Path.of(System.getProperty("guest.cache", "../boot-check/target/guest"));

  /** A conversion takes about 4.5 minutes under TCG on two idle cores, twice that when busy. */
  private static final Duration CONVERSION_WITHIN = Duration.ofMinutes(20);

  /** A converted guest's first boot runs virt-v2v's first-boot scripts: minutes more under TCG. */
  private static final Duration CONVERTED_BOOT_WITHIN = Duration.ofMinutes(12);

  KubernetesClient client;

  @TempDir Path dir;
  private TestCluster cluster;
  private VmImportOperator operator;
  private VcsimWorlds.Handle vcsim;
  private TestKubelet kubelet;

  @BeforeEach
  void setUp() throws Exception {
    Crds.assumePresent();
    HostTools.require("booting an imported VM", HostTools.BOOT);
    HostTools.require("building the test guest", HostTools.GUEST_BUILD);
    HostTools.requireRoot("building the test guest");
    cluster = new TestCluster(client, dir);
    vcsim = VcsimWorlds.start(dir.resolve("vcsim"));
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (cluster != null) {
        cluster.stopOperatorCheckRbacAndClose(operator);
      }
    } finally {
      if (kubelet != null) {
        kubelet.close();
      }
      if (vcsim != null) {
        vcsim.close();
      }
    }
  }

  @Test
  void theVmTheOperatorCreatedBootsFromTheImagesItServedAndSeesTheSourceHardware()
      throws Exception {
    operator = cluster.startOperator(Optional.empty());
    GuestImage guest = GuestImage.build(GUEST_SCRIPT, GUEST_CACHE, GuestImage.Firmware.BIOS);
    SourceGuestVm.Govc govc = vcsim::govc;
    SourceGuestVm.create(govc, "db01", "pvscsi", guest, "00:50:56:aa:dd:01", "00:50:56:aa:dd:02");
    JsonNode source = SourceGuestVm.hardware(govc, "db01");
    applySource();
    VirtualMachineImport vmi = importOf("db01");
    // the guest's initramfs has no virtio driver, as on VMware: SATA boots it unconverted
    vmi.getSpec().defaultDiskBusType = "sata";
    cluster.apply(vmi);

    cluster.awaitStatus("db01", "virtualMachineRunning");

    KubevirtVm vm = writtenVm();
    assertThat(vm.disks()).extracting(KubevirtVm.Disk::bus).containsExactly("sata");
    GuestReport report = bootsSeeing(vm, source, BootCheck.DEFAULT_TIMEOUT);
    assertThat(report.rootDevice()).isEqualTo("/dev/sda1");
  }

  /**
   * {@code diskWork: jobs}: the worker Job, run by the test kubelet from the built jar with the
   * Job's own environment and scratch volume, converts the guest from NVMe to virtio with virt-v2v;
   * the VM boots from what Harvester downloaded from the worker.
   */
  @Test
  void aGuestConvertedInsideAWorkerJobBootsOnVirtio() throws Exception {
    HostTools.require("converting the guest", HostTools.CONVERSION);
    cluster.diskWorkers =
        Optional.of(
            OperatorJobsIT.workerSettings(1, Optional.empty(), GuestConversionPolicy.AUTO, 1));
    kubelet = OperatorJobsIT.threeNodeKubelet(client, dir);
    operator = cluster.startOperator(Optional.empty());
    GuestImage guest = GuestImage.build(GUEST_SCRIPT, GUEST_CACHE, GuestImage.Firmware.BIOS);
    SourceGuestVm.Govc govc = vcsim::govc;
    // NVMe maps to virtio, which the guest's initramfs cannot boot from until it is converted
    SourceGuestVm.create(govc, "db02", "nvme", guest, "00:50:56:aa:dd:11");
    JsonNode source = SourceGuestVm.hardware(govc, "db02");
    applySource();
    cluster.apply(importOf("db02"));

    // a conversion takes minutes under TCG (boot-check's ITs measure it)
    VirtualMachineImport done =
        cluster.await(
            "db02",
            vmi -> "virtualMachineRunning".equals(TestCluster.importStatus(vmi)),
            false,
            CONVERSION_WITHIN);

    Condition converted =
        TestCluster.condition(done.getStatus().importConditions, "GuestConverted");
    assertThat(converted).as("GuestConverted of %s", TestCluster.describe(done)).isNotNull();
    assertThat(converted.status).isEqualTo("True");
    assertThat(converted.message).contains("virt-v2v");
    List<String> nodes =
        kubelet.podsPerNode().entrySet().stream()
            .filter(e -> e.getValue() > 0)
            .map(Map.Entry::getKey)
            .toList();
    assertThat(nodes).as("nodes a worker ran on").hasSize(1);
    KubevirtVm vm = writtenVm();
    assertThat(vm.disks()).extracting(KubevirtVm.Disk::bus).containsExactly("virtio");
    GuestReport report = bootsSeeing(vm, source, CONVERTED_BOOT_WITHIN);
    assertThat(report.rootDevice()).as("root on virtio-blk").startsWith("/dev/vda");
    assertThat(report.modules()).contains("virtio_blk");
  }

  private void applySource() {
    cluster.applySecret("vcsim-creds", vcsim.sourceWithCa().credentials().data());
    VmwareSource vcsimSource = new VmwareSource();
    vcsimSource.setMetadata(new ObjectMetaBuilder().withName("vcsim").withNamespace(NS).build());
    VmwareSourceSpec sourceSpec = new VmwareSourceSpec();
    sourceSpec.endpoint = vcsim.endpoint();
    sourceSpec.dc = "DC0";
    sourceSpec.credentials = new CredentialsReference();
    sourceSpec.credentials.name = "vcsim-creds";
    sourceSpec.credentials.namespace = NS;
    vcsimSource.setSpec(sourceSpec);
    client.resources(VmwareSource.class).inNamespace(NS).resource(vcsimSource).create();
  }

  private static VirtualMachineImport importOf(String vm) {
    VirtualMachineImport vmi =
        TestCluster.importOf(vm, "VmwareSource", "vcsim", vm, SourceGuestVm.FIRST_NETWORK);
    vmi.getSpec().folder = "Migrate";
    return vmi;
  }

  /** The one VirtualMachine the operator wrote. */
  private KubevirtVm writtenVm() {
    List<GenericKubernetesResource> vms =
        client
            .genericKubernetesResources("kubevirt.io/v1", "VirtualMachine")
            .inNamespace(NS)
            .list()
            .getItems();
    assertThat(vms).hasSize(1);
    return KubevirtVm.of(new ObjectMapper().valueToTree(vms.get(0)));
  }

  /**
   * Boots {@code vm} under QEMU from the images Harvester downloaded; the guest must see the source
   * VM's CPUs, memory and MACs. Returns what the guest reported.
   */
  private GuestReport bootsSeeing(KubevirtVm vm, JsonNode source, Duration within)
      throws Exception {
    Map<String, Path> downloaded = cluster.harvester.downloaded();
    Map<String, DiskImage> disks = new LinkedHashMap<>();
    for (KubevirtVm.Disk disk : vm.disks()) {
      // the claim is named after the VirtualMachineImage whose download Harvester made
      Path image = downloaded.get(disk.volume().claimName());
      assertThat(image)
          .as("Harvester's download of %s, among %s", disk.volume().claimName(), downloaded)
          .isNotNull();
      disks.put(disk.name(), new DiskImage(image, "qcow2"));
    }
    BootResult result =
        new BootCheck(QemuSetup.debian()).boot(vm, disks, within, dir.resolve("boot"));

    assertThat(result.outcome()).as(result.describe()).isEqualTo(Outcome.BOOTED);
    GuestReport report = result.report().orElseThrow();
    assertThat(report.cpus()).as("CPUs the guest sees").isEqualTo(source.path("NumCPU").asInt());
    assertThat(report.memoryMiB())
        .as("memory the guest sees, in MiB")
        .isEqualTo(source.path("MemoryMB").asLong());
    assertThat(report.macAddresses())
        .as("MACs the guest sees")
        .isEqualTo(SourceGuestVm.macs(source));
    return report;
  }
}
