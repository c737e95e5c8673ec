package io.vmimport.bootcheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmimport.bootcheck.BootResult.Outcome;
import io.vmimport.bootcheck.GuestImage.Firmware;
import io.vmimport.bootcheck.KubevirtVm.Disk;
import io.vmimport.provider.vmware.VcsimWorlds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof of boot end to end: the VMware-shaped Debian guest is the disk of a vcsim VM, {@code
 * vmimport import} (the shaded jar, in a process of its own) writes the offline output, and the
 * VirtualMachine in its {@code manifests.yaml} boots under QEMU from the imported disk, or does
 * not. The guest then reports the hardware it sees, which must be the source VM's.
 */
class ImportedGuestBootIT {
  static final Path GUEST_SCRIPT =
      Path.of(System.getProperty("guest.script", "test-peer/guest/build-guest.sh"));
  static final Path GUEST_CACHE = Path.of(System.getProperty("guest.cache", "target/guest"));
  static final Path VMIMPORT_JAR =
      Path.of(System.getProperty("vmimport.jar", "../vmimport-cli/target/vmimport.jar"));
  static final Duration IMPORT_TIMEOUT = Duration.ofMinutes(10);

  @TempDir static Path dir;
  static VcsimWorlds.Handle vcsim;
  static GuestImage biosGuest;

  @BeforeAll
  static void buildGuestAndStartVcsim() throws Exception {
    HostTools.require("booting an imported VM", HostTools.BOOT);
    HostTools.require("building the test guest", HostTools.GUEST_BUILD);
    HostTools.requireRoot("building the test guest");
    assertThat(VMIMPORT_JAR)
        .as("the vmimport CLI, built by vmimport-cli's package")
        .isRegularFile();
    biosGuest = GuestImage.build(GUEST_SCRIPT, GUEST_CACHE, Firmware.BIOS);
    timing(
        "guest build (bios)",
        biosGuest.reused()
            ? "reused " + biosGuest.dir()
            : biosGuest.buildTime().toSeconds() + " s");
    vcsim = VcsimWorlds.start(dir.resolve("vcsim"));
  }

  @AfterAll
  static void stopVcsim() throws InterruptedException {
    if (vcsim != null) {
      vcsim.close();
    }
  }

  @Test
  void aGuestOnParavirtualScsiImportedOnSataBootsAndSeesTheSourceVmsHardware() throws Exception {
    shapeVm("db01", "pvscsi", biosGuest, "00:50:56:aa:cc:01", "00:50:56:aa:cc:02");
    JsonNode source = sourceHardware("db01");

    ImportedVm imported = importVm("db01", "  defaultDiskBusType: sata\n");

    assertThat(imported.vm().disks()).extracting(Disk::bus).containsExactly("sata");
    BootResult result = boot(imported, "db01");
    assertThat(result.outcome()).as(result.describe()).isEqualTo(Outcome.BOOTED);
    GuestReport guest = result.report().orElseThrow();
    assertThat(guest.cpus()).as("CPUs the guest sees").isEqualTo(source.path("NumCPU").asInt());
    assertThat(guest.sockets() * guest.coresPerSocket()).isEqualTo(source.path("NumCPU").asInt());
    assertThat(guest.memoryMiB())
        .as("memory the guest sees, in MiB")
        .isEqualTo(source.path("MemoryMB").asLong());
    assertThat(guest.macAddresses()).as("MACs the guest sees").isEqualTo(sourceMacs(source));
    assertThat(guest.firmware()).isEqualTo("bios");
    assertThat(guest.rootDevice()).isEqualTo("/dev/sda1");
    assertThat(guest.rootMountOptions()).first().isEqualTo("rw");
    assertThat(guest.modules()).contains("ahci");
  }

  @Test
  void aUefiGuestImportedOnSataBootsUnderOvmfWithoutSecureBoot() throws Exception {
    GuestImage uefiGuest = GuestImage.build(GUEST_SCRIPT, GUEST_CACHE, Firmware.UEFI);
    timing(
        "guest build (uefi)",
        uefiGuest.reused()
            ? "reused " + uefiGuest.dir()
            : uefiGuest.buildTime().toSeconds() + " s");
    // vcsim does not boot anything: PVSCSI is fine at the source, although Debian's OVMF could not
    // boot from it; the imported VM has the disk on SATA
    shapeVm("web02", "pvscsi", uefiGuest, "00:50:56:aa:cc:21");
    JsonNode source = sourceHardware("web02");

    ImportedVm imported = importVm("web02", "");

    assertThat(imported.vm().firmware()).isEqualTo(KubevirtVm.Firmware.EFI);
    BootResult result = boot(imported, "web02");
    assertThat(result.outcome()).as(result.describe()).isEqualTo(Outcome.BOOTED);
    GuestReport guest = result.report().orElseThrow();
    assertThat(guest.firmware()).isEqualTo("uefi");
    assertThat(guest.secureBoot()).isFalse();
    assertThat(guest.rootDevice()).isEqualTo("/dev/sda2");
    assertThat(guest.cpus()).isEqualTo(source.path("NumCPU").asInt());
    assertThat(guest.memoryMiB()).isEqualTo(source.path("MemoryMB").asLong());
    assertThat(guest.macAddresses()).isEqualTo(sourceMacs(source));
  }

  @Test
  void aGuestOnLsiLogicImportedOnVirtioScsiWithoutConversionStopsInItsInitramfs() throws Exception {
    // LSI Logic becomes bus scsi, which KubeVirt runs as virtio-scsi: the guest's initramfs has
    // no virtio driver, as on a VMware VM, so the root disk never appears
    shapeVm("app02", "lsilogic", biosGuest, "00:50:56:aa:cc:11");

    ImportedVm imported = importVm("app02", "");

    assertThat(imported.vm().disks()).extracting(Disk::bus).containsExactly("scsi");
    BootResult result = boot(imported, "app02");
    assertThat(result.outcome()).as(result.describe()).isEqualTo(Outcome.FAILED);
    assertThat(result.evidence())
        .as(result.describe())
        .containsAnyOf("ALERT!", "Gave up waiting for root");
  }

  /** A powered-off VM in Migrate whose one disk, on {@code controller}, is the guest's. */
  static void shapeVm(String name, String controller, GuestImage guest, String... macs)
      throws Exception {
    long capacityMiB = virtualSizeMiB(guest.streamOptimizedVmdk());
    List<String> create =
        new ArrayList<>(
            List.of(
                "vm.create",
                "-folder",
                "/DC0/vm/Migrate",
                "-pool",
                "/DC0/host/DC0_C0/Resources",
                "-ds",
                "LocalDS_0",
                "-c",
                "2",
                "-m",
                "1024",
                "-g",
                "debian10_64Guest",
                "-firmware",
                guest.firmware() == Firmware.UEFI ? "efi" : "bios",
                "-net",
                "PG-Prod",
                "-net.adapter",
                "vmxnet3",
                "-net.address",
                macs[0],
                "-disk",
                capacityMiB + "MB",
                "-disk.controller",
                controller,
                "-on=false",
                name));
    vcsim.govc(create.toArray(String[]::new));
    for (int i = 1; i < macs.length; i++) {
      vcsim.govc(
          "vm.network.add",
          "-vm",
          name,
          "-net",
          "VM Network",
          "-net.adapter",
          "vmxnet3",
          "-net.address",
          macs[i]);
    }
    vcsim.govc(
        "datastore.upload",
        "-ds",
        "LocalDS_0",
        guest.streamOptimizedVmdk().toString(),
        name + "/" + name + ".vmdk");
  }

  /** config.hardware of the VM as vcsim reports it. */
  static JsonNode sourceHardware(String name) throws Exception {
    JsonNode info = new ObjectMapper().readTree(vcsim.govc("vm.info", "-json", name));
    JsonNode hardware = info.at("/VirtualMachines/0/Config/Hardware");
    assertThat(hardware.isMissingNode()).as("govc vm.info -json %s: %s", name, info).isFalse();
    return hardware;
  }

  static List<String> sourceMacs(JsonNode hardware) {
    return hardware.findValuesAsText("MacAddress").stream()
        .map(m -> m.toLowerCase(Locale.ROOT))
        .sorted()
        .toList();
  }

  /** Runs {@code vmimport import} for the VM and reads the VirtualMachine it wrote. */
  static ImportedVm importVm(String name, String extraSpec) throws Exception {
    Path work = Files.createDirectories(dir.resolve(name));
    Map<String, String> secret = vcsim.sourceWithCa().credentials().data();
    String caCert = secret.get("caCert").strip().indent(4);
    Path resources = work.resolve("resources.yaml");
    Files.writeString(
        resources,
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: vcsim-credentials
          namespace: default
        stringData:
          username: %s
          password: %s
          caCert: |
        %s---
        apiVersion: migration.harvesterhci.io/v1beta1
        kind: VmwareSource
        metadata:
          name: vcsim
          namespace: default
        spec:
          endpoint: %s
          dc: DC0
          credentials:
            name: vcsim-credentials
            namespace: default
        ---
        apiVersion: migration.harvesterhci.io/v1beta1
        kind: VirtualMachineImport
        metadata:
          name: %s
          namespace: default
        spec:
          virtualMachineName: %s
          folder: Migrate
          networkMapping:
          - sourceNetwork: PG-Prod
            destinationNetwork: default/vlan100
        %s  sourceCluster:
            apiVersion: migration.harvesterhci.io/v1beta1
            kind: VmwareSource
            name: vcsim
            namespace: default
        %s"""
            .formatted(
                secret.get("username"),
                secret.get("password"),
                caCert,
                vcsim.endpoint(),
                name,
                name,
                // a mapping must match a NIC of the VM: only VMs with a second NIC have VM Network
                sourceMacs(sourceHardware(name)).size() > 1
                    ? "  - sourceNetwork: VM Network\n    destinationNetwork: default/vm-network\n"
                    : "",
                extraSpec));
    Path out = work.resolve("out");
    Path log = work.resolve("vmimport.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    long start = System.nanoTime();
    Process vmimport =
        new ProcessBuilder(
                java,
                "-jar",
                VMIMPORT_JAR.toAbsolutePath().toString(),
                "import",
                "-f",
                resources.toString(),
                "--output-dir",
                out.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!vmimport.waitFor(IMPORT_TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
      vmimport.destroyForcibly().waitFor();
      throw new AssertionError(
          "vmimport import did not finish in " + IMPORT_TIMEOUT + ": " + read(log));
    }
    assertThat(vmimport.exitValue())
        .as("vmimport import exit code; output:%n%s", read(log))
        .isZero();
    timing("import " + name, Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s");
    return ImportedVm.fromOfflineOutput(out.resolve("default").resolve(name));
  }

  static BootResult boot(ImportedVm imported, String name) throws Exception {
    BootResult result =
        new BootCheck(QemuSetup.debian())
            .boot(
                imported.vm(),
                imported.disks(),
                BootCheck.DEFAULT_TIMEOUT,
                dir.resolve(name).resolve("boot"));
    timing(
        "boot " + name,
        result.outcome() + " in " + result.elapsed().toSeconds() + " s: " + result.evidence());
    return result;
  }

  static long virtualSizeMiB(Path image) throws Exception {
    Process info =
        new ProcessBuilder("qemu-img", "info", "--output=json", image.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(info.waitFor(1, TimeUnit.MINUTES)).isTrue();
    assertThat(info.exitValue()).as("qemu-img info %s: %s", image, out).isZero();
    return new ObjectMapper().readTree(out).path("virtual-size").asLong() >> 20;
  }

  /** What each step took, in the IT's output and in target/boot-check-timings.txt. */
  static void timing(String step, String took) throws IOException {
    String line = "[boot-check] " + step + ": " + took;
    System.out.println(line);
    Files.writeString(
        GUEST_CACHE.resolveSibling("boot-check-timings.txt"),
        line + "\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }

  static String read(Path log) throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }
}
