package io.vmimport.provider.ova;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.FirmwareType;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.VmLocator;
import io.vmimport.provider.ova.GovcDescriptor.Device;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An OVA from vSphere tooling: a VM of two disks, EFI and two NICs made in vcsim and exported with
 * {@code govc export.ovf}, packed with tar as vSphere lays an OVA out (descriptor, manifest,
 * disks), then read from a file and from nginx over https with basic auth. The hardware must be
 * what vcsim says the VM has, and each disk's bytes those put on its datastore (qemu-img compare).
 *
 * <p>vcsim (govmomi 0.24.2) does not implement {@code OvfManager.CreateDescriptor}: govc downloads
 * the disks through the export lease, then fails before writing the descriptor and the manifest.
 * The test then writes both itself ({@link GovcDescriptor}: VMware's layout, from the OVF 1.0
 * specification and the vSphere descriptor in ../shared, filled with what vcsim reports) and checks
 * them against the files govc did write. Should a later vcsim write the descriptor, it is used as
 * written.
 */
class OvaGovcExportIT {
  private static final String VM = "legacy-app";
  private static final long GIB = 1L << 30;

  @TempDir static Path work;
  private static Path ova;
  private static Path[] sourceRaws;
  private static GovcDescriptor.Facts facts;
  private static boolean govcWroteDescriptor;

  @BeforeAll
  static void exportWithGovc() throws Exception {
    SharedOva.assumePresent();
    Path disks = Files.createDirectories(work.resolve("disks"));
    sourceRaws = new Path[] {disks.resolve("system.raw"), disks.resolve("data.raw")};
    Path[] vmdks = {disks.resolve("system.vmdk"), disks.resolve("data.vmdk")};
    writeRaw(sourceRaws[0], GIB, 1);
    writeRaw(sourceRaws[1], 2 * GIB, 2);
    for (int i = 0; i < 2; i++) {
      qemuImg(
          "convert",
          "-f",
          "raw",
          "-O",
          "vmdk",
          "-o",
          "subformat=streamOptimized",
          sourceRaws[i].toString(),
          vmdks[i].toString());
    }

    Path exported = Files.createDirectories(work.resolve("govc"));
    try (Govc govc = Govc.start(work.resolve("vcsim"))) {
      govc.run(
          work,
          "vm.create",
          "-ds",
          "LocalDS_0",
          "-pool",
          "/DC0/host/DC0_C0/Resources",
          "-net",
          "VM Network",
          "-net.adapter",
          "vmxnet3",
          "-disk",
          "1G",
          "-firmware",
          "efi",
          "-c",
          "4",
          "-m",
          "3072",
          "-g",
          "ubuntu64Guest",
          "-on=false",
          VM);
      govc.run(
          work,
          "vm.disk.create",
          "-vm",
          VM,
          "-ds",
          "LocalDS_0",
          "-name",
          VM + "/data1",
          "-size",
          "2G");
      govc.run(work, "vm.network.add", "-vm", VM, "-net", "DC0_DVPG0", "-net.adapter", "e1000e");
      // vcsim creates empty disk files: put the disks' contents on the datastore
      govc.run(
          work,
          "datastore.upload",
          "-ds",
          "LocalDS_0",
          vmdks[0].toString(),
          VM + "/" + VM + ".vmdk");
      govc.run(
          work, "datastore.upload", "-ds", "LocalDS_0", vmdks[1].toString(), VM + "/data1.vmdk");

      facts =
          GovcDescriptor.facts(
              VM,
              govc.run(
                  work,
                  "object.collect",
                  "-s",
                  "vm/" + VM,
                  "config.hardware.numCPU",
                  "config.hardware.numCoresPerSocket",
                  "config.hardware.memoryMB",
                  "config.firmware",
                  "config.guestId"),
              govc.run(work, "device.info", "-vm", VM),
              List.of("VM Network", "DC0_DVPG0"));

      Govc.Result export =
          govc.attempt(work, "export.ovf", "-vm", VM, "-sha", "256", exported.toString());
      Path descriptor = exported.resolve(VM).resolve(VM + ".ovf");
      govcWroteDescriptor = Files.isRegularFile(descriptor);
      if (!govcWroteDescriptor) {
        assertThat(export.output())
            .as("why govc export.ovf wrote no descriptor")
            .contains("CreateDescriptor");
      }
    }

    Path dir = exported.resolve(VM);
    List<String> diskFiles;
    try (Stream<Path> files = Files.list(dir)) {
      diskFiles =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".vmdk"))
              .sorted()
              .toList();
    }
    // what govc wrote: one streamOptimized VMDK per disk, named as CreateDescriptor will see them
    assertThat(diskFiles).containsExactly(VM + "-disk-0.vmdk", VM + "-disk-1.vmdk");
    for (int i = 0; i < 2; i++) {
      assertThat(Files.mismatch(dir.resolve(diskFiles.get(i)), vmdks[i]))
          .as("%s as govc downloaded it is the VMDK on the datastore", diskFiles.get(i))
          .isEqualTo(-1);
      assertThat(qemuImg("info", dir.resolve(diskFiles.get(i)).toString()))
          .contains("create type: streamOptimized");
    }
    if (!govcWroteDescriptor) {
      Files.writeString(
          dir.resolve(VM + ".ovf"),
          GovcDescriptor.write(facts, dir, diskFiles),
          StandardCharsets.UTF_8);
      // govc's manifest format: "SHA256(<file>)= <hex>", the disks in export order, then the
      // descriptor
      StringBuilder manifest = new StringBuilder();
      for (String file : List.of(diskFiles.get(0), diskFiles.get(1), VM + ".ovf")) {
        manifest
            .append("SHA256(")
            .append(file)
            .append(")= ")
            .append(sha256(dir.resolve(file)))
            .append('\n');
      }
      Files.writeString(dir.resolve(VM + ".mf"), manifest);
    }
    List<String> order = new ArrayList<>(List.of(VM + ".ovf", VM + ".mf"));
    order.addAll(diskFiles);
    ova = SharedOva.pack(dir, work.resolve(VM + ".ova"), order.toArray(String[]::new));
  }

  @AfterAll
  static void sayWhichDescriptor() {
    System.err.println(
        "OvaGovcExportIT: descriptor "
            + (govcWroteDescriptor
                ? "written by govc"
                : "generated (vcsim lacks CreateDescriptor)"));
  }

  @Test
  void fromAFile() throws Exception {
    importAndCheck(source(ova.toUri(), Map.of()));
  }

  @Test
  void overHttpsWithBasicAuth() throws Exception {
    Nginx nginx = NginxPeer.get();
    Path served =
        NginxPeer.root().resolve("private").resolve(VM + "-" + System.nanoTime() + ".ova");
    Files.copy(ova, served, StandardCopyOption.REPLACE_EXISTING);
    try {
      importAndCheck(
          source(
              nginx.https("private/" + served.getFileName()),
              Map.of("username", Nginx.USER, "password", Nginx.PASSWORD, "ca.crt", nginx.caPem())));
    } finally {
      Files.delete(served);
    }
  }

  private static SourceSpec source(URI url, Map<String, String> secret) {
    return new SourceSpec(
        "ova",
        "default",
        "govc",
        Map.of("url", url.toString(), "httpTimeoutSeconds", "20"),
        new Credentials("default/govc", secret));
  }

  private void importAndCheck(SourceSpec source) throws Exception {
    try (SourceSession session = new OvaSourceProvider().open(source)) {
      assertThat(session.inventory().list()).containsExactly(VM);
      SourceVm vm = session.inventory().describe(VmLocator.of(VM));
      // what vcsim says the VM has
      assertThat(vm.cpu().vcpus()).isEqualTo(facts.vcpus()).isEqualTo(4);
      assertThat(vm.cpu().coresPerSocket()).isEqualTo(facts.coresPerSocket());
      assertThat(vm.memoryMiB()).isEqualTo(facts.memoryMiB()).isEqualTo(3072);
      assertThat(vm.firmware().type()).isEqualTo(FirmwareType.EFI);
      List<Device> nics = facts.nics();
      assertThat(vm.nics())
          .extracting(SourceNic::macAddress, SourceNic::network, SourceNic::model)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  nics.get(0).mac(), Optional.of("VM Network"), Optional.of(NicModel.VIRTIO)),
              org.assertj.core.groups.Tuple.tuple(
                  nics.get(1).mac(), Optional.of("DC0_DVPG0"), Optional.of(NicModel.E1000E)));
      assertThat(vm.disks())
          .extracting(d -> d.capacityBytes())
          .containsExactly(
              facts.disks().get(0).capacityBytes(), facts.disks().get(1).capacityBytes())
          .containsExactly(GIB, 2 * GIB);
      assertThat(vm.disks()).allMatch(d -> d.bus().equals(Optional.of(DiskBus.SCSI)));

      for (int i = 0; i < 2; i++) {
        Path exported = work.resolve("import-" + System.nanoTime() + ".vmdk");
        OvaExports.exportDisk(session, VM, i, exported);
        assertThat(
                qemuImg(
                    "compare",
                    "-f",
                    "vmdk",
                    "-F",
                    "raw",
                    exported.toString(),
                    sourceRaws[i].toString()))
            .contains("identical");
        Files.delete(exported);
      }
    }
  }

  /** A raw disk of {@code size} with a few MiB of data at its start, middle and end. */
  private static void writeRaw(Path file, long size, long seed) throws IOException {
    Random random = new Random(seed);
    byte[] chunk = new byte[1 << 20];
    try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
      raw.setLength(size);
      for (long at : new long[] {0, size / 2 + 12345 * 512, size - chunk.length}) {
        random.nextBytes(chunk);
        raw.seek(at);
        raw.write(chunk);
      }
    }
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static String qemuImg(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("qemu-img"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " failed: " + output);
    }
    return output;
  }
}
