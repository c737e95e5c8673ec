package io.vmimport.provider.ova;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.FirmwareType;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.VmLocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VMware-style VM of three disks (two streamOptimized VMDKs and one without a file, which starts
 * empty), EFI and two NICs, packed with its files out of order: the second disk before the
 * descriptor, the manifest last. Read from a file, from nginx over https (range requests) and from
 * nginx over http without range requests; every disk is checked with qemu-img.
 */
class OvaMultiDiskIT {
  private static final String DESCRIPTOR =
      """
      <?xml version="1.0" encoding="UTF-8"?>
      <Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"
          xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
          xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
          xmlns:vmw="http://www.vmware.com/schema/ovf">
        <References>
          <File ovf:href="app-disk1.vmdk" ovf:id="file1"/>
          <File ovf:href="app-disk2.vmdk" ovf:id="file2"/>
        </References>
        <DiskSection>
          <Info>disks</Info>
          <Disk ovf:capacity="8" ovf:capacityAllocationUnits="byte * 2^30" ovf:diskId="vmdisk1"
              ovf:fileRef="file1"
              ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
          <Disk ovf:capacity="1" ovf:capacityAllocationUnits="byte * 2^30" ovf:diskId="vmdisk2"
              ovf:fileRef="file2"
              ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
          <Disk ovf:capacity="64" ovf:capacityAllocationUnits="byte * 2^20" ovf:diskId="scratch"/>
        </DiskSection>
        <VirtualSystem ovf:id="app">
          <Info>A virtual machine</Info>
          <Name>app</Name>
          <VirtualHardwareSection>
            <Info>hardware</Info>
            <Item><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType>
              <rasd:VirtualQuantity>4</rasd:VirtualQuantity>
              <vmw:CoresPerSocket ovf:required="false">2</vmw:CoresPerSocket></Item>
            <Item><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType>
              <rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>
              <rasd:VirtualQuantity>2048</rasd:VirtualQuantity></Item>
            <Item><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceType>6</rasd:ResourceType>
              <rasd:ResourceSubType>lsilogic</rasd:ResourceSubType></Item>
            <Item><rasd:InstanceID>4</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType>
              <rasd:Parent>3</rasd:Parent><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource></Item>
            <Item><rasd:InstanceID>5</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType>
              <rasd:Parent>3</rasd:Parent><rasd:HostResource>ovf:/disk/vmdisk2</rasd:HostResource></Item>
            <Item><rasd:InstanceID>6</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType>
              <rasd:Parent>3</rasd:Parent><rasd:HostResource>ovf:/disk/scratch</rasd:HostResource></Item>
            <Item><rasd:InstanceID>7</rasd:InstanceID><rasd:ResourceType>10</rasd:ResourceType>
              <rasd:ResourceSubType>E1000e</rasd:ResourceSubType><rasd:Connection>front</rasd:Connection></Item>
            <Item><rasd:InstanceID>8</rasd:InstanceID><rasd:ResourceType>10</rasd:ResourceType>
              <rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType><rasd:Connection>back</rasd:Connection></Item>
            <vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="efi"/>
          </VirtualHardwareSection>
        </VirtualSystem>
      </Envelope>
      """;

  @TempDir Path work;

  private Path build(Path dir) throws Exception {
    Path files = dir.resolve("files");
    SharedOva.extract(SharedOva.virtualBox(), files);
    Files.move(files.resolve(SharedOva.VIRTUALBOX_DISK), files.resolve("app-disk1.vmdk"));
    Files.copy(SharedOva.cot("input.vmdk"), files.resolve("app-disk2.vmdk"));
    Files.writeString(files.resolve("app.ovf"), DESCRIPTOR);
    StringBuilder manifest = new StringBuilder();
    for (String file : new String[] {"app.ovf", "app-disk1.vmdk", "app-disk2.vmdk"}) {
      byte[] digest =
          MessageDigest.getInstance("SHA-1").digest(Files.readAllBytes(files.resolve(file)));
      manifest
          .append("SHA1(")
          .append(file)
          .append(")= ")
          .append(HexFormat.of().formatHex(digest))
          .append('\n');
    }
    Files.writeString(files.resolve("app.mf"), manifest);
    return SharedOva.pack(
        files, dir.resolve("app.ova"), "app-disk2.vmdk", "app.ovf", "app-disk1.vmdk", "app.mf");
  }

  private static SourceSpec source(URI url, Map<String, String> secret) {
    return new SourceSpec(
        "ova",
        "default",
        "app",
        Map.of("url", url.toString(), "httpTimeoutSeconds", "20"),
        new Credentials("default/app", secret));
  }

  @Test
  void fromAFile() throws Exception {
    exportAndCheck(source(build(work).toUri(), Map.of()));
  }

  @Test
  void overHttpsWithRanges() throws Exception {
    Nginx nginx = NginxPeer.get();
    Path ova = build(work);
    Path served = NginxPeer.root().resolve("private").resolve("app-" + System.nanoTime() + ".ova");
    Files.copy(ova, served, StandardCopyOption.REPLACE_EXISTING);
    try {
      exportAndCheck(
          source(
              nginx.https("private/" + served.getFileName()),
              Map.of("username", Nginx.USER, "password", Nginx.PASSWORD, "ca.crt", nginx.caPem())));
    } finally {
      Files.delete(served);
    }
  }

  @Test
  void overHttpWithoutRanges() throws Exception {
    Nginx nginx = NginxPeer.get();
    Path ova = build(work);
    Path served = NginxPeer.root().resolve("app-" + System.nanoTime() + ".ova");
    Files.copy(ova, served, StandardCopyOption.REPLACE_EXISTING);
    try {
      exportAndCheck(source(nginx.http(served.getFileName().toString()), Map.of()));
    } finally {
      Files.delete(served);
    }
  }

  @Test
  void disksReadAtTheSameTimeOverHttpsWithRanges() throws Exception {
    Nginx nginx = NginxPeer.get();
    Path ova = build(work);
    Path served = NginxPeer.root().resolve("private").resolve("app-" + System.nanoTime() + ".ova");
    Files.copy(ova, served, StandardCopyOption.REPLACE_EXISTING);
    try {
      exportAllAtOnce(
          source(
              nginx.https("private/" + served.getFileName()),
              Map.of("username", Nginx.USER, "password", Nginx.PASSWORD, "ca.crt", nginx.caPem())));
    } finally {
      Files.delete(served);
    }
  }

  @Test
  void disksReadAtTheSameTimeWithoutRanges() throws Exception {
    Nginx nginx = NginxPeer.get();
    Path ova = build(work);
    Path served = NginxPeer.root().resolve("app-" + System.nanoTime() + ".ova");
    Files.copy(ova, served, StandardCopyOption.REPLACE_EXISTING);
    try {
      exportAllAtOnce(source(nginx.http(served.getFileName().toString()), Map.of()));
    } finally {
      Files.delete(served);
    }
  }

  /**
   * PARALLEL_DISK_EXPORT, as core uses it: every disk's stream open at once, read in turns of 4
   * KiB, each arriving whole.
   */
  private void exportAllAtOnce(SourceSpec source) throws Exception {
    assertThat(new OvaSourceProvider().capabilities())
        .contains(io.vmimport.api.Capability.PARALLEL_DISK_EXPORT);
    try (SourceSession session = new OvaSourceProvider().open(source)) {
      SourceVm vm = session.inventory().describe(VmLocator.of("app"));
      ExportSession export = session.exporter().begin(vm, OvaExports.OWNER);
      List<DiskStream> streams = new ArrayList<>();
      List<ByteArrayOutputStream> copies = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          export.prepare(vm.disks().get(i));
          streams.add(export.open(vm.disks().get(i)));
          copies.add(new ByteArrayOutputStream());
        }
        boolean more = true;
        while (more) {
          more = false;
          for (int i = 0; i < streams.size(); i++) {
            byte[] turn = streams.get(i).input().readNBytes(4096);
            copies.get(i).write(turn);
            more |= turn.length > 0;
          }
        }
        for (DiskStream stream : streams) {
          stream.close();
        }
        export.complete();
      } catch (RuntimeException | IOException e) {
        export.abort();
        throw e;
      }
      Path files = work.resolve("files");
      assertThat(copies.get(0).toByteArray())
          .isEqualTo(Files.readAllBytes(files.resolve("app-disk1.vmdk")));
      assertThat(copies.get(1).toByteArray())
          .isEqualTo(Files.readAllBytes(files.resolve("app-disk2.vmdk")));
    }
  }

  private void exportAndCheck(SourceSpec source) throws Exception {
    try (SourceSession session = new OvaSourceProvider().open(source)) {
      SourceVm vm = session.inventory().describe(VmLocator.of("app"));
      assertThat(vm.cpu().vcpus()).isEqualTo(4);
      assertThat(vm.cpu().coresPerSocket()).isEqualTo(2);
      assertThat(vm.memoryMiB()).isEqualTo(2048);
      assertThat(vm.firmware().type()).isEqualTo(FirmwareType.EFI);
      assertThat(vm.nics())
          .extracting(n -> n.network().orElseThrow())
          .containsExactly("front", "back");
      assertThat(vm.disks())
          .extracting(d -> d.key())
          .containsExactly("vmdisk1", "vmdisk2", "scratch");
      assertThat(vm.disks()).allMatch(d -> d.bus().equals(java.util.Optional.of(DiskBus.SCSI)));

      Path files = work.resolve("files");
      for (int i = 0; i < 3; i++) {
        Path exported = work.resolve("export-" + i + ".vmdk");
        Files.deleteIfExists(exported);
        OvaExports.exportDisk(session, "app", i, exported);
        switch (i) {
          case 0 ->
              assertThat(Files.mismatch(exported, files.resolve("app-disk1.vmdk"))).isEqualTo(-1);
          case 1 ->
              assertThat(Files.mismatch(exported, files.resolve("app-disk2.vmdk"))).isEqualTo(-1);
          default -> {
            Path zeros = work.resolve("zeros.raw");
            try (RandomAccessFile raw = new RandomAccessFile(zeros.toFile(), "rw")) {
              raw.setLength(64L << 20);
            }
            assertThat(
                    qemuImg(
                        "compare",
                        "-f",
                        "vmdk",
                        "-F",
                        "raw",
                        exported.toString(),
                        zeros.toString()))
                .contains("identical");
          }
        }
      }
    }
  }

  private static String qemuImg(String... args) throws IOException, InterruptedException {
    String[] command = new String[args.length + 1];
    command[0] = "qemu-img";
    System.arraycopy(args, 0, command, 1, args.length);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " failed: " + output);
    }
    return output;
  }
}
