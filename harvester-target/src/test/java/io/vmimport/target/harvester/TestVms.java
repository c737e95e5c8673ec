package io.vmimport.target.harvester;

import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.target.NetworkAttachment;
import io.vmimport.api.target.TargetCpu;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetNic;
import io.vmimport.api.target.TargetVm;
import java.util.List;
import java.util.Optional;

/** The VM of the spec cases, as core hands it to a target. */
final class TestVms {
  static final String LONG_SOURCE_NAME =
      "Web Server 01 (production, Frankfurt) with a name far longer than sixty-three characters";

  private TestVms() {}

  /**
   * 8 vCPU as 2 sockets × 4 cores, 6 GiB, EFI with secure boot and TPM, three NICs (two mapped, one
   * on the pod network), disks on sata/scsi/virtio in boot order.
   */
  static TargetVm webServer(String namespace, String importName, Optional<String> storageClass) {
    return webServer(
        new ImportRef(namespace, importName, "uid-" + importName),
        "web-server-01-production-frankfurt",
        storageClass);
  }

  /** The same VM for the import {@code ref}, named {@code vmName} in the target. */
  static TargetVm webServer(ImportRef ref, String vmName, Optional<String> storageClass) {
    String namespace = ref.namespace();
    List<TargetDisk> disks =
        List.of(
            new TargetDisk(
                "disk-0", SourceDisk.of(1, "2001", "web-boot.vmdk", 2L << 20), DiskBus.SATA, 1),
            new TargetDisk(
                "disk-1", SourceDisk.of(0, "2000", "web-data.vmdk", 3L << 20), DiskBus.SCSI, 2),
            new TargetDisk(
                "disk-2", SourceDisk.of(2, "2002", "web-logs.vmdk", 1L << 20), DiskBus.VIRTIO, 3));
    List<TargetNic> nics =
        List.of(
            new TargetNic(
                "nic-0",
                SourceNic.of(0, "00:50:56:aa:bb:01", NicModel.E1000E, "VM Network"),
                "00:50:56:aa:bb:01",
                NicModel.E1000E,
                NetworkAttachment.multus(namespace, "vlan10")),
            new TargetNic(
                "nic-1",
                SourceNic.of(1, "00:50:56:aa:bb:02", NicModel.VIRTIO, "Storage"),
                "00:50:56:aa:bb:02",
                NicModel.VIRTIO,
                NetworkAttachment.multus("infra", "storage-net")),
            new TargetNic(
                "nic-2",
                SourceNic.of(2, "00:50:56:aa:bb:03", NicModel.E1000, "Unmapped Backup LAN"),
                "00:50:56:aa:bb:03",
                NicModel.RTL8139,
                NetworkAttachment.POD));
    return new TargetVm(
        ref,
        vmName,
        LONG_SOURCE_NAME,
        Optional.of("Customer portal front end\nowner: web team"),
        new TargetCpu(2, 4, 1),
        6144,
        Firmware.efi(true, true),
        disks,
        nics,
        storageClass);
  }
}
