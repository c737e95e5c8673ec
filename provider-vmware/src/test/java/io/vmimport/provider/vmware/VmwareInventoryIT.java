package io.vmimport.provider.vmware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualDisk;
import com.vmware.vim25.VirtualMachineBootOptions;
import com.vmware.vim25.VirtualMachineBootOptionsBootableDevice;
import com.vmware.vim25.VirtualMachineBootOptionsBootableDiskDevice;
import com.vmware.vim25.VirtualMachineConfigSpec;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.FirmwareType;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.VmLocator;
import io.vmimport.provider.vmware.internal.VimConnection;
import io.vmimport.provider.vmware.internal.VmwareSourceSession;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmwareInventoryIT {
  @TempDir static Path dir;
  static VcsimWorld world;

  @BeforeAll
  static void startVcsim() throws Exception {
    world = VcsimWorld.start(dir);
  }

  @AfterAll
  static void stopVcsim() throws Exception {
    if (world != null) {
      world.close();
    }
  }

  private SourceSession open() {
    return new VmwareSourceProvider().open(world.insecureSource());
  }

  @Test
  void describesShapedVmExactly() {
    try (SourceSession session = open()) {
      SourceVm vm = session.inventory().describe(VcsimWorld.web01());

      assertThat(vm.name()).isEqualTo("web01");
      assertThat(vm.id()).startsWith("vm-");
      assertThat(vm.cpu().vcpus()).isEqualTo(4);
      assertThat(vm.cpu().coresPerSocket()).isEqualTo(2);
      assertThat(vm.cpu().sockets()).isEqualTo(2);
      assertThat(vm.memoryMiB()).isEqualTo(2048);
      assertThat(vm.firmware().type()).isEqualTo(FirmwareType.EFI);
      assertThat(vm.firmware().secureBoot()).isFalse();
      assertThat(vm.firmware().tpm()).isFalse();
      assertThat(vm.description()).contains("web server of the shop");
      assertThat(vm.guestOs()).contains("centos7_64Guest");
      // web01 runs in cluster DC0_C0: one of its ESXi hosts serves the export
      assertThat(vm.exportHost()).hasValueSatisfying(h -> assertThat(h).matches("DC0_C0_H[0-9]+"));

      assertThat(vm.disks()).hasSize(2);
      var disk0 = vm.disks().get(0);
      assertThat(disk0.key()).isEqualTo("VirtualLsiLogicController0:0");
      assertThat(disk0.name()).isEqualTo("web01");
      assertThat(disk0.capacityBytes()).isEqualTo(VcsimWorld.DISK0_BYTES);
      assertThat(disk0.bus()).contains(DiskBus.SCSI);
      assertThat(disk0.bootOrder()).hasValue(1);
      var disk1 = vm.disks().get(1);
      assertThat(disk1.key()).matches("ParaVirtualSCSIController\\d+:0");
      assertThat(disk1.name()).isEqualTo("data1");
      assertThat(disk1.capacityBytes()).isEqualTo(VcsimWorld.DISK1_BYTES);
      assertThat(disk1.bus()).contains(DiskBus.SATA);
      assertThat(disk1.bootOrder()).hasValue(2);

      assertThat(vm.nics()).hasSize(2);
      assertThat(vm.nics().get(0).macAddress()).isEqualTo("00:50:56:aa:bb:01");
      assertThat(vm.nics().get(0).model()).contains(NicModel.VIRTIO);
      assertThat(vm.nics().get(0).network()).contains("PG-Prod");
      assertThat(vm.nics().get(1).macAddress()).isEqualTo("00:50:56:aa:bb:02");
      assertThat(vm.nics().get(1).model()).contains(NicModel.E1000E);
      assertThat(vm.nics().get(1).network()).contains("VM Network");
    }
  }

  @Test
  void findsVmByInstanceUuid() throws Exception {
    String uuid =
        world
            .vcsim
            .govc("vm.info", "-json", "web01")
            .replaceAll("(?s).*\"InstanceUuid\":\\s*\"([0-9a-f-]{36})\".*", "$1");
    try (SourceSession session = open()) {
      assertThat(session.inventory().describe(VmLocator.of(uuid)).name()).isEqualTo("web01");
    }
  }

  @Test
  void unknownVmIsNotFoundNamingThePathSearched() {
    try (SourceSession session = open()) {
      assertThatThrownBy(
              () -> session.inventory().describe(new VmLocator("db99", Optional.of("Migrate/Old"))))
          .isInstanceOf(VmImportException.class)
          .hasMessageContaining("'db99'")
          .hasMessageContaining("DC0/vm/Migrate/Old/db99")
          .extracting(e -> ((VmImportException) e).code())
          .isEqualTo(ErrorCode.NOT_FOUND);
    }
  }

  @Test
  void vmOutsideTheGivenFolderIsNotFound() {
    try (SourceSession session = open()) {
      assertThatThrownBy(() -> session.inventory().describe(VmLocator.of("web01")))
          .isInstanceOf(VmImportException.class)
          .hasMessageContaining("DC0/vm/web01");
    }
  }

  @Test
  void listNamesEveryVmOfTheDatacenter() {
    try (SourceSession session = open()) {
      assertThat(session.inventory().list()).contains("web01", "DC0_H0_VM0", "DC0_C0_RP0_VM1");
    }
  }

  @Test
  void findsVmInNestedFolderWithOrWithoutSlashes() throws Exception {
    world.vcsim.govc("folder.create", "/DC0/vm/Migrate/Nested");
    world.vcsim.govc(
        "vm.create",
        "-folder",
        "/DC0/vm/Migrate/Nested",
        "-pool",
        "/DC0/host/DC0_C0/Resources",
        "-ds",
        "LocalDS_0",
        "-c",
        "1",
        "-m",
        "256",
        "-net",
        "VM Network",
        "-disk",
        "1MB",
        "-on=false",
        "deep01");
    try (SourceSession session = open()) {
      for (String folder : List.of("Migrate/Nested", "/Migrate/Nested/", "DC0/vm/Migrate/Nested")) {
        assertThat(
                session.inventory().describe(new VmLocator("deep01", Optional.of(folder))).name())
            .as("deep01 in folder %s", folder)
            .isEqualTo("deep01");
      }
    }
  }

  @Test
  void bootOrderComesFromTheVmsBootOptions() throws Exception {
    world.vcsim.govc(
        "vm.create",
        "-folder",
        "/DC0/vm/Migrate",
        "-pool",
        "/DC0/host/DC0_C0/Resources",
        "-ds",
        "LocalDS_0",
        "-c",
        "1",
        "-m",
        "256",
        "-net",
        "VM Network",
        "-disk",
        "1MB",
        "-on=false",
        "boot01");
    world.vcsim.govc(
        "vm.disk.create",
        "-vm",
        "boot01",
        "-ds",
        "LocalDS_0",
        "-name",
        "boot01/data",
        "-size",
        "1MB");
    try (SourceSession session = open()) {
      VimConnection connection = ((VmwareSourceSession) session).connection();
      ManagedObjectReference vm =
          ((VmwareSourceSession) session).findVm(new VmLocator("boot01", Optional.of("Migrate")));
      VirtualDevice[] devices =
          (VirtualDevice[])
              connection.properties(vm, "config.hardware.device").get("config.hardware.device");
      List<VirtualDisk> disks =
          Arrays.stream(devices)
              .filter(VirtualDisk.class::isInstance)
              .map(VirtualDisk.class::cast)
              .toList();
      assertThat(disks).hasSize(2);
      VirtualMachineBootOptionsBootableDiskDevice second =
          new VirtualMachineBootOptionsBootableDiskDevice();
      second.setDeviceKey(disks.get(1).getKey());
      VirtualMachineBootOptions boot = new VirtualMachineBootOptions();
      boot.setBootOrder(new VirtualMachineBootOptionsBootableDevice[] {second});
      VirtualMachineConfigSpec spec = new VirtualMachineConfigSpec();
      spec.setBootOptions(boot);
      connection.call("reconfigure boot01", v -> v.reconfigVM_Task(vm, spec));
      Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
      while (connection.properties(vm, "config.bootOptions.bootOrder").isEmpty()) {
        assertThat(Instant.now()).as("boot order applied in time").isBefore(deadline);
        TimeUnit.MILLISECONDS.sleep(100);
      }

      SourceVm described =
          session.inventory().describe(new VmLocator("boot01", Optional.of("Migrate")));

      assertThat(described.disks().get(0).bootOrder()).isEmpty();
      assertThat(described.disks().get(1).bootOrder()).hasValue(1);
    }
  }
}
