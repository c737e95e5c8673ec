package io.vmimport.bootcheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QemuCommandTest {
  static final Path SERIAL = Path.of("/w/serial.log");
  static final Path VARS = Path.of("/w/OVMF_VARS.fd");

  /** The shape VirtualMachineRenderer writes (harvester-target), as YAML. */
  static JsonNode vm(String firmware, String cpu, String memory, String disks, String interfaces)
      throws Exception {
    return new YAMLMapper()
        .readTree(
            """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachine
            metadata:
              name: web01
              namespace: default
            spec:
              runStrategy: RerunOnFailure
              template:
                spec:
                  domain:
                    cpu: %s
                    memory:
                      guest: %s
                    features:
                      acpi:
                        enabled: true
                    firmware:
                      bootloader: %s
                    devices:
                      disks: %s
                      interfaces: %s
                  volumes:
                  - name: disk-0
                    persistentVolumeClaim:
                      claimName: web01-disk-0
                  - name: disk-1
                    persistentVolumeClaim:
                      claimName: web01-disk-1
            """
                .formatted(cpu, memory, firmware, disks, interfaces));
  }

  static final String TWO_DISKS =
      "[{name: disk-0, bootOrder: 2, disk: {bus: virtio}},"
          + " {name: disk-1, bootOrder: 1, disk: {bus: sata}}]";
  static final String ONE_NIC =
      "[{name: nic-0, model: e1000e, macAddress: '00:50:56:aa:bb:01', bridge: {}}]";

  static final Map<String, DiskImage> IMAGES =
      Map.of(
          "disk-0", DiskImage.of(Path.of("/out/disk-0.qcow2")),
          "disk-1", DiskImage.of(Path.of("/out/disk-1.raw")));

  static List<String> command(JsonNode vm) {
    return QemuCommand.of(KubevirtVm.of(vm), IMAGES, QemuSetup.debian(), SERIAL, VARS);
  }

  static String line(JsonNode vm) {
    return String.join(" ", command(vm));
  }

  @Test
  void biosVmOnQ35WithTopologyMemoryDisksInBootOrderAndNics() throws Exception {
    JsonNode vm =
        vm("{bios: {}}", "{sockets: 2, cores: 3, threads: 1}", "1536Mi", TWO_DISKS, ONE_NIC);

    assertThat(command(vm))
        .containsSubsequence("-machine", "q35")
        .containsSubsequence("-accel", "tcg")
        .containsSubsequence("-smp", "6,sockets=2,cores=3,threads=1")
        .containsSubsequence("-m", "1536M")
        .containsSubsequence("-serial", "file:" + SERIAL)
        .containsSubsequence(
            // the first disk to boot comes first, on its own bus, with KubeVirt's boot order
            "-drive",
            "if=none,id=drive-disk-1,file=/out/disk-1.raw,format=raw,snapshot=on,cache=unsafe",
            "-device",
            "ide-hd,drive=drive-disk-1,bus=ide.0,id=disk-1,bootindex=1",
            "-drive",
            "if=none,id=drive-disk-0,file=/out/disk-0.qcow2,format=qcow2,snapshot=on,cache=unsafe",
            "-device",
            "virtio-blk-pci,drive=drive-disk-0,id=disk-0,bootindex=2")
        .containsSubsequence(
            "-netdev",
            "user,id=net-nic-0,restrict=on",
            "-device",
            "e1000e,netdev=net-nic-0,mac=00:50:56:aa:bb:01,romfile=");
    assertThat(line(vm)).doesNotContain("pflash", "smm");
  }

  @Test
  void efiWithoutSecureBootUsesOvmfAndAWritableCopyOfItsVariables() throws Exception {
    JsonNode vm =
        vm(
            "{efi: {secureBoot: false}}",
            "{sockets: 1, cores: 2, threads: 1}",
            "1Gi",
            TWO_DISKS,
            ONE_NIC);

    assertThat(command(vm))
        .containsSubsequence("-machine", "q35")
        .containsSubsequence(
            "-drive",
            "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
            "-drive",
            "if=pflash,format=raw,unit=1,file=" + VARS)
        .containsSubsequence("-m", "1024M");
    assertThat(line(vm)).doesNotContain("smm", "secure=", "secboot");
  }

  @Test
  void secureBootAsKubevirtDefaultsItNeedsSmmAndTheSecureBootBuild() throws Exception {
    // no secureBoot field: KubeVirt turns it on for an EFI bootloader
    JsonNode vm =
        vm("{efi: {}}", "{sockets: 1, cores: 1, threads: 1}", "512Mi", TWO_DISKS, ONE_NIC);

    assertThat(KubevirtVm.of(vm).firmware()).isEqualTo(KubevirtVm.Firmware.EFI_SECURE_BOOT);
    assertThat(command(vm))
        .containsSubsequence("-machine", "q35,smm=on")
        .containsSubsequence(
            "-drive",
            "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd")
        .containsSubsequence("-global", "driver=cfi.pflash01,property=secure,value=on");
  }

  @Test
  void scsiDisksShareOneVirtioScsiControllerAndNicModelsMapToQemuDevices() throws Exception {
    JsonNode vm =
        vm(
            "{bios: {}}",
            "{sockets: 1, cores: 1, threads: 2}",
            "2Gi",
            "[{name: disk-0, bootOrder: 1, disk: {bus: scsi}}, {name: disk-1, disk: {bus: scsi}}]",
            "[{name: a, model: virtio, macAddress: '52:54:00:00:00:01'},"
                + " {name: b, macAddress: '52:54:00:00:00:02'},"
                + " {name: c, model: rtl8139, macAddress: '52:54:00:00:00:03'}]");

    List<String> command = command(vm);

    assertThat(command.stream().filter("virtio-scsi-pci,id=scsi0"::equals)).hasSize(1);
    assertThat(command)
        .containsSubsequence(
            "-device",
            "virtio-scsi-pci,id=scsi0",
            "-device",
            "scsi-hd,drive=drive-disk-0,bus=scsi0.0,channel=0,scsi-id=0,lun=0,id=disk-0,bootindex=1",
            "-device",
            "scsi-hd,drive=drive-disk-1,bus=scsi0.0,channel=0,scsi-id=0,lun=1,id=disk-1")
        .contains(
            "virtio-net-pci,netdev=net-a,mac=52:54:00:00:00:01,romfile=",
            // a NIC without a model is virtio, KubeVirt's default
            "virtio-net-pci,netdev=net-b,mac=52:54:00:00:00:02,romfile=",
            "rtl8139,netdev=net-c,mac=52:54:00:00:00:03,romfile=")
        .containsSubsequence("-smp", "2,sockets=1,cores=1,threads=2");
  }

  @Test
  void aVmWithoutNicsGetsNone() throws Exception {
    assertThat(command(vm("{bios: {}}", "{sockets: 1}", "1Gi", TWO_DISKS, "[]")))
        .containsSubsequence("-nic", "none")
        .containsSubsequence("-smp", "1,sockets=1,cores=1,threads=1");
  }

  @Test
  void refusesWhatKubevirtWouldNotRunOrWhatIsMissing() throws Exception {
    assertThatThrownBy(
            () ->
                command(
                    vm(
                        "{bios: {}}",
                        "{sockets: 1}",
                        "1Gi",
                        "[{name: disk-0, disk: {bus: ide}}]",
                        "[]")))
        .hasMessageContaining("disk disk-0 has bus ide");
    assertThatThrownBy(
            () ->
                QemuCommand.of(
                    KubevirtVm.of(vm("{bios: {}}", "{sockets: 1}", "1Gi", TWO_DISKS, "[]")),
                    Map.of("disk-0", IMAGES.get("disk-0")),
                    QemuSetup.debian(),
                    SERIAL,
                    VARS))
        .hasMessageContaining("no image for disk disk-1");
    assertThatThrownBy(
            () ->
                command(
                    vm(
                        "{bios: {}}",
                        "{sockets: 1}",
                        "1Gi",
                        TWO_DISKS,
                        "[{name: a, model: vmxnet3, macAddress: '00:50:56:00:00:01'}]")))
        .hasMessageContaining("interface a has model vmxnet3");
    assertThatThrownBy(() -> command(vm("{bios: {}}", "{sockets: 1}", "1000M", TWO_DISKS, "[]")))
        .hasMessageContaining("not a whole MiB");
  }

  @Test
  void memoryQuantitiesInMib() {
    assertThat(KubevirtVm.mebibytes("2Gi", "vm")).isEqualTo(2048);
    assertThat(KubevirtVm.mebibytes("1536Mi", "vm")).isEqualTo(1536);
    assertThat(KubevirtVm.mebibytes("1048576Ki", "vm")).isEqualTo(1024);
    assertThat(KubevirtVm.mebibytes("2097152000", "vm")).isEqualTo(2000);
    assertThatThrownBy(() -> KubevirtVm.mebibytes("1G", "vm")).hasMessageContaining("whole MiB");
  }
}
