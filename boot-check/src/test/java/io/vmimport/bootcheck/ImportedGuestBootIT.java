package io.vmimport.bootcheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.guest.ConversionControl;
import io.vmimport.api.guest.GuestConversionRequest;
import io.vmimport.api.guest.GuestDisk;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.FirmwareType;
import io.vmimport.api.model.NicModel;
import io.vmimport.bootcheck.BootResult.Outcome;
import io.vmimport.bootcheck.GuestImage.Firmware;
import io.vmimport.bootcheck.KubevirtVm.Disk;
import io.vmimport.converter.virtv2v.VirtV2vConverter;
import io.vmimport.provider.vmware.VcsimWorlds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
  // a conversion takes about 4.5 minutes under TCG on two idle cores, twice that on a busy machine
  static final Duration IMPORT_TIMEOUT = Duration.ofMinutes(20);

  /**
   * A converted guest's first boot runs virt-v2v's first-boot scripts, which try to install the
   * QEMU guest agent (offline, they fail), before multi-user.target: minutes more under TCG.
   */
  static final Duration CONVERTED_BOOT_TIMEOUT = Duration.ofMinutes(12);

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

    ImportedVm imported = importVm("db01", "  defaultDiskBusType: sata\n", "never");

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
  void aGuestImportedOntoVirtioIsConvertedAndBootsSeeingTheSourceVmsHardware() throws Exception {
    HostTools.require("converting the guest", HostTools.CONVERSION);
    // NVMe maps to virtio, KubeVirt's default bus; vcsim boots nothing, so the source's
    // controller only decides the bus
    shapeVm("db02", "nvme", biosGuest, "00:50:56:aa:cc:31", "00:50:56:aa:cc:32");
    JsonNode source = sourceHardware("db02");

    ImportedVm imported = importVm("db02", "", "auto");

    assertThat(imported.vm().disks()).extracting(Disk::bus).containsExactly("virtio");
    assertConverted("db02");
    BootResult result = boot(imported, "db02", CONVERTED_BOOT_TIMEOUT);
    assertThat(result.outcome()).as(result.describe()).isEqualTo(Outcome.BOOTED);
    GuestReport guest = result.report().orElseThrow();
    assertThat(guest.rootDevice()).as("root on virtio-blk").startsWith("/dev/vda");
    assertThat(guest.rootMountOptions()).first().isEqualTo("rw");
    assertThat(guest.modules()).contains("virtio_blk");
    assertThat(guest.firmware()).isEqualTo("bios");
    assertThat(guest.cpus()).isEqualTo(source.path("NumCPU").asInt());
    assertThat(guest.memoryMiB()).isEqualTo(source.path("MemoryMB").asLong());
    assertThat(guest.macAddresses()).isEqualTo(sourceMacs(source));
  }

  @Test
  void aUefiGuestImportedOntoVirtioIsConvertedAndBootsUnderOvmfWithoutSecureBoot()
      throws Exception {
    HostTools.require("converting the guest", HostTools.CONVERSION);
    GuestImage uefiGuest = GuestImage.build(GUEST_SCRIPT, GUEST_CACHE, Firmware.UEFI);
    timing(
        "guest build (uefi)",
        uefiGuest.reused()
            ? "reused " + uefiGuest.dir()
            : uefiGuest.buildTime().toSeconds() + " s");
    shapeVm("web02", "nvme", uefiGuest, "00:50:56:aa:cc:21");
    JsonNode source = sourceHardware("web02");

    ImportedVm imported = importVm("web02", "", "auto");

    assertThat(imported.vm().firmware()).isEqualTo(KubevirtVm.Firmware.EFI);
    assertThat(imported.vm().disks()).extracting(Disk::bus).containsExactly("virtio");
    assertConverted("web02");
    BootResult result = boot(imported, "web02", CONVERTED_BOOT_TIMEOUT);
    assertThat(result.outcome()).as(result.describe()).isEqualTo(Outcome.BOOTED);
    GuestReport guest = result.report().orElseThrow();
    assertThat(guest.firmware()).isEqualTo("uefi");
    assertThat(guest.secureBoot()).isFalse();
    assertThat(guest.rootDevice()).startsWith("/dev/vda");
    assertThat(guest.cpus()).isEqualTo(source.path("NumCPU").asInt());
    assertThat(guest.memoryMiB()).isEqualTo(source.path("MemoryMB").asLong());
    assertThat(guest.macAddresses()).isEqualTo(sourceMacs(source));
  }

  /** What {@code vmimport import} printed about the conversion: its condition, converted. */
  static void assertConverted(String name) throws IOException {
    String log = read(dir.resolve(name).resolve("vmimport.log"));
    assertThat(log)
        .as("vmimport's output")
        .containsPattern("GuestConverted.*Converted")
        .contains("converted by virt-v2v");
  }

  @Test
  void aGuestOnLsiLogicImportedOnVirtioScsiWithoutConversionStopsInItsInitramfs() throws Exception {
    // LSI Logic becomes bus scsi, which KubeVirt runs as virtio-scsi: the guest's initramfs has
    // no virtio driver, as on a VMware VM, so the root disk never appears
    shapeVm("app02", "lsilogic", biosGuest, "00:50:56:aa:cc:11");

    ImportedVm imported = importVm("app02", "", "never");

    assertThat(imported.vm().disks()).extracting(Disk::bus).containsExactly("scsi");
    BootResult result = boot(imported, "app02");
    assertThat(result.outcome()).as(result.describe()).isEqualTo(Outcome.FAILED);
    assertThat(result.evidence())
        .as(result.describe())
        .containsAnyOf("ALERT!", "Gave up waiting for root");
  }

  @Test
  void aConversionKilledMidwayLeavesTheDiskEqualToTheSource() throws Exception {
    HostTools.require("converting the guest", HostTools.CONVERSION);
    Path work = Files.createDirectories(dir.resolve("killed"));
    Path disk = work.resolve("disk-0.qcow2");
    // the disk as an import writes it
    run(
        "qemu-img",
        "convert",
        "-O",
        "qcow2",
        biosGuest.streamOptimizedVmdk().toString(),
        disk.toString());
    AtomicBoolean cancel = new AtomicBoolean();
    List<String> stages = new CopyOnWriteArrayList<>();
    long start = System.nanoTime();

    VmImportException e =
        catchThrowableOfType(
            VmImportException.class,
            () ->
                new VirtV2vConverter()
                    .convert(
                        new GuestConversionRequest(
                            "killed",
                            List.of(new GuestDisk(disk, DiskFormat.QCOW2)),
                            FirmwareType.BIOS,
                            DiskBus.VIRTIO,
                            Optional.of(NicModel.VIRTIO),
                            Optional.of("debian10_64Guest"),
                            Duration.ofMinutes(20)),
                        new ConversionControl() {
                          @Override
                          public boolean cancelled() {
                            return cancel.get();
                          }

                          @Override
                          public void progress(String stage, int percent) {
                            stages.add(stage);
                            // the guest is being written to once it is converting
                            if (stage.startsWith("Converting ")) {
                              cancel.set(true);
                            }
                          }
                        }));

    timing(
        "killed conversion",
        Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s, stages " + stages);
    assertThat(e).as("stages seen: %s", stages).isNotNull();
    assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
    assertThat(stages).anyMatch(stage -> stage.startsWith("Converting "));
    assertThat(
            run("qemu-img", "compare", biosGuest.streamOptimizedVmdk().toString(), disk.toString()))
        .as("qemu-img compare of the source and the disk")
        .contains("Images are identical");
    try (var left = Files.list(work)) {
      assertThat(left).as("overlays removed").containsExactly(disk);
    }
    assertThat(processesMentioning(".guest-conversion-"))
        .as("nothing of the conversion still runs")
        .isEmpty();
  }

  static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(10, TimeUnit.MINUTES)).isTrue();
    assertThat(process.exitValue()).as("%s: %s", List.of(command), out).isZero();
    return out;
  }

  static List<String> processesMentioning(String text) throws IOException {
    List<String> found = new ArrayList<>();
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.toList()) {
        try {
          String cmdline =
              new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
                  .replace('\0', ' ');
          if (cmdline.contains(text)) {
            found.add(proc.getFileName() + ": " + cmdline);
          }
        } catch (IOException gone) {
          // ended meanwhile, or not a process
        }
      }
    }
    return found;
  }

  /** A powered-off VM in Migrate whose one disk, on {@code controller}, is the guest's. */
  static void shapeVm(String name, String controller, GuestImage guest, String... macs)
      throws Exception {
    SourceGuestVm.create(vcsim::govc, name, controller, guest, macs);
  }

  /** config.hardware of the VM as vcsim reports it. */
  static JsonNode sourceHardware(String name) throws Exception {
    return SourceGuestVm.hardware(vcsim::govc, name);
  }

  static List<String> sourceMacs(JsonNode hardware) {
    return SourceGuestVm.macs(hardware);
  }

  /** Runs {@code vmimport import} for the VM and reads the VirtualMachine it wrote. */
  static ImportedVm importVm(String name, String extraSpec, String guestConversion)
      throws Exception {
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
                out.toString(),
                "--guest-conversion",
                guestConversion)
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
    return boot(imported, name, BootCheck.DEFAULT_TIMEOUT);
  }

  static BootResult boot(ImportedVm imported, String name, Duration timeout) throws Exception {
    BootResult result =
        new BootCheck(QemuSetup.debian())
            .boot(imported.vm(), imported.disks(), timeout, dir.resolve(name).resolve("boot"));
    timing(
        "boot " + name,
        result.outcome() + " in " + result.elapsed().toSeconds() + " s: " + result.evidence());
    return result;
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
