package io.vmimport.bootcheck;

import io.vmimport.bootcheck.KubevirtVm.Disk;
import io.vmimport.bootcheck.KubevirtVm.Firmware;
import io.vmimport.bootcheck.KubevirtVm.Nic;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The QEMU command line for a KubeVirt VM, built the way virt-launcher has libvirt start it: q35,
 * BIOS or OVMF (secure boot with SMM and the secure-boot build), the CPU topology, memory in MiB,
 * disks on their bus with {@code bootOrder} as boot index, NICs with their model and MAC. Disks are
 * opened with {@code snapshot=on}: booting never changes the imported files.
 */
public final class QemuCommand {
  /** ICH9's AHCI controller on q35 has six ports. */
  static final int SATA_PORTS = 6;

  private static final Map<String, String> NIC_DEVICES =
      Map.of(
          "virtio", "virtio-net-pci",
          "e1000", "e1000",
          "e1000e", "e1000e",
          "rtl8139", "rtl8139",
          "pcnet", "pcnet",
          "ne2k_pci", "ne2k_pci");

  private static final Set<String> FORMATS = Set.of("qcow2", "raw", "vmdk");

  private QemuCommand() {}

  /**
   * @param disks the image of each disk of the VM, by disk name
   * @param serialLog where the guest's first serial port is written
   * @param efiVars a writable copy of the OVMF variables (unused for BIOS)
   */
  public static List<String> of(
      KubevirtVm vm, Map<String, DiskImage> disks, QemuSetup setup, Path serialLog, Path efiVars) {
    boolean secureBoot = vm.firmware() == Firmware.EFI_SECURE_BOOT;
    List<String> command = new ArrayList<>();
    command.add(setup.qemu().toString());
    command.addAll(List.of("-machine", secureBoot ? "q35,smm=on" : "q35"));
    command.addAll(List.of("-accel", setup.accel()));
    command.addAll(
        List.of(
            "-smp",
            vm.vcpus()
                + ",sockets="
                + vm.sockets()
                + ",cores="
                + vm.cores()
                + ",threads="
                + vm.threads()));
    command.addAll(List.of("-m", vm.memoryMiB() + "M"));
    command.addAll(
        List.of(
            "-nodefaults",
            "-display",
            "none",
            "-monitor",
            "none",
            "-no-reboot",
            "-serial",
            "file:" + serialLog));
    if (vm.firmware() != Firmware.BIOS) {
      Path code = secureBoot ? setup.ovmfSecureBootCode() : setup.ovmfCode();
      command.addAll(List.of("-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + code));
      command.addAll(List.of("-drive", "if=pflash,format=raw,unit=1,file=" + efiVars));
      if (secureBoot) {
        // what libvirt adds for <loader secure='yes'>: only SMM code may write the variables
        command.addAll(List.of("-global", "driver=cfi.pflash01,property=secure,value=on"));
      }
    }
    addDisks(vm, disks, command);
    addNics(vm, command);
    return List.copyOf(command);
  }

  private static void addDisks(KubevirtVm vm, Map<String, DiskImage> disks, List<String> command) {
    int sataPort = 0;
    boolean scsiController = false;
    boolean usbController = false;
    int scsiLun = 0;
    for (Disk disk : vm.disksInBootOrder()) {
      DiskImage image = disks.get(disk.name());
      if (image == null) {
        throw new IllegalArgumentException(
            vm.name() + ": no image for disk " + disk.name() + "; have " + disks.keySet());
      }
      if (!FORMATS.contains(image.format())) {
        throw new IllegalArgumentException(
            disk.name() + ": format " + image.format() + " is not one of " + FORMATS);
      }
      String drive = "drive-" + disk.name();
      command.addAll(
          List.of(
              "-drive",
              "if=none,id="
                  + drive
                  + ",file="
                  + image.file()
                  + ",format="
                  + image.format()
                  + ",snapshot=on,cache=unsafe"));
      String bootIndex = disk.bootOrder().map(order -> ",bootindex=" + order).orElse("");
      String device =
          switch (disk.bus()) {
            case "virtio" -> "virtio-blk-pci,drive=" + drive + ",id=" + disk.name() + bootIndex;
            case "sata" -> {
              if (sataPort == SATA_PORTS) {
                throw new IllegalArgumentException(
                    vm.name() + ": more than " + SATA_PORTS + " SATA disks");
              }
              yield "ide-hd,drive="
                  + drive
                  + ",bus=ide."
                  + sataPort++
                  + ",id="
                  + disk.name()
                  + bootIndex;
            }
            case "scsi" -> {
              if (!scsiController) {
                command.addAll(List.of("-device", "virtio-scsi-pci,id=scsi0"));
                scsiController = true;
              }
              yield "scsi-hd,drive="
                  + drive
                  + ",bus=scsi0.0,channel=0,scsi-id=0,lun="
                  + scsiLun++
                  + ",id="
                  + disk.name()
                  + bootIndex;
            }
            case "usb" -> {
              if (!usbController) {
                command.addAll(List.of("-device", "qemu-xhci,id=usb"));
                usbController = true;
              }
              yield "usb-storage,drive=" + drive + ",bus=usb.0,id=" + disk.name() + bootIndex;
            }
            default ->
                throw new IllegalArgumentException(
                    vm.name()
                        + ": disk "
                        + disk.name()
                        + " has bus "
                        + disk.bus()
                        + ", which KubeVirt does not offer for disks");
          };
      command.addAll(List.of("-device", device));
    }
  }

  private static void addNics(KubevirtVm vm, List<String> command) {
    if (vm.nics().isEmpty()) {
      command.addAll(List.of("-nic", "none"));
      return;
    }
    for (Nic nic : vm.nics()) {
      String device = NIC_DEVICES.get(nic.model());
      if (device == null) {
        throw new IllegalArgumentException(
            vm.name()
                + ": interface "
                + nic.name()
                + " has model "
                + nic.model()
                + "; KubeVirt's models are "
                + NIC_DEVICES.keySet());
      }
      // the guest only needs to see the NIC: user networking without any route out; no boot ROM,
      // as KubeVirt disables it on interfaces without a bootOrder
      String netdev = "net-" + nic.name();
      command.addAll(List.of("-netdev", "user,id=" + netdev + ",restrict=on"));
      command.addAll(
          List.of(
              "-device", device + ",netdev=" + netdev + ",mac=" + nic.macAddress() + ",romfile="));
    }
  }
}
