package io.vmimport.provider.vmware;

import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.VirtualMachineConfigSpec;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.VmLocator;
import io.vmimport.provider.vmware.internal.VimConnection;
import io.vmimport.provider.vmware.internal.VmwareSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * vcsim with the VMs the tests use: {@code Migrate/web01}, powered off, EFI, 4 vCPU in 2 sockets,
 * 2048 MiB, two disks with real streamOptimized VMDKs (4 MiB on LSI Logic, 2 MiB on PVSCSI), NICs
 * on the DVS portgroup {@code PG-Prod} (vmxnet3) and {@code VM Network} (e1000e) with fixed MACs;
 * and vcsim's own {@code DC0_H0_VM0}, powered on.
 */
final class VcsimWorld implements AutoCloseable {
  static final String USER = "vmimport-user";
  static final String PASSWORD = "s3cret-Pa55word";
  static final String VM = "web01";
  static final String FOLDER = "Migrate";

  /** Powered on, one 2 MiB disk with the content of {@code raw1}. */
  static final String RUNNING_VM = "app01";

  static final long DISK0_BYTES = 4L << 20;
  static final long DISK1_BYTES = 2L << 20;

  final Vcsim vcsim;
  final Path dir;
  final Path raw0;
  final Path raw1;

  private VcsimWorld(Vcsim vcsim, Path dir, Path raw0, Path raw1) {
    this.vcsim = vcsim;
    this.dir = dir;
    this.raw0 = raw0;
    this.raw1 = raw1;
  }

  /** Starts vcsim (with {@code extraArgs}) and shapes web01. */
  static VcsimWorld start(Path dir, String... extraArgs) throws Exception {
    return start(dir, Map.of(), extraArgs);
  }

  static VcsimWorld start(Path dir, Map<String, String> govcEnv, String... extraArgs)
      throws Exception {
    String[] args = new String[extraArgs.length + 4];
    args[0] = "-username";
    args[1] = USER;
    args[2] = "-password";
    args[3] = PASSWORD;
    System.arraycopy(extraArgs, 0, args, 4, extraArgs.length);
    Vcsim vcsim = Vcsim.start(govcEnv, args);
    try {
      Path raw0 = dir.resolve("disk0.raw");
      Path raw1 = dir.resolve("disk1.raw");
      writeKnownDisk(raw0, DISK0_BYTES, 1);
      writeKnownDisk(raw1, DISK1_BYTES, 2);
      VcsimWorld world = new VcsimWorld(vcsim, dir, raw0, raw1);
      world.shapeWeb01();
      return world;
    } catch (Exception | AssertionError e) {
      vcsim.close();
      throw e;
    }
  }

  /** Random data at the start, a pattern in the middle, the rest zeros (sparse regions). */
  static void writeKnownDisk(Path file, long size, long seed) throws IOException {
    Random random = new Random(seed);
    byte[] head = new byte[64 * 1024];
    random.nextBytes(head);
    byte[] middle = new byte[256 * 1024];
    for (int i = 0; i < middle.length; i++) {
      middle[i] = (byte) (i * 31 + seed);
    }
    byte[] tail = new byte[4096];
    random.nextBytes(tail);
    try (var channel =
        java.nio.channels.FileChannel.open(
            file,
            java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
            java.nio.file.StandardOpenOption.WRITE)) {
      channel.write(java.nio.ByteBuffer.wrap(head), 0);
      channel.write(java.nio.ByteBuffer.wrap(middle), size / 2);
      channel.write(java.nio.ByteBuffer.wrap(tail), size - tail.length);
    }
    assertThat(Files.size(file)).isEqualTo(size);
  }

  private void shapeWeb01() throws Exception {
    vcsim.govc(
        "dvs.portgroup.add",
        "-dvs",
        "DVS0",
        "-type",
        "earlyBinding",
        "-nports",
        "16",
        "-vlan",
        "100",
        "PG-Prod");
    vcsim.govc("folder.create", "/DC0/vm/" + FOLDER);
    vcsim.govc(
        "vm.create",
        "-folder",
        "/DC0/vm/" + FOLDER,
        "-pool",
        "/DC0/host/DC0_C0/Resources",
        "-ds",
        "LocalDS_0",
        "-c",
        "4",
        "-m",
        "2048",
        "-g",
        "centos7_64Guest",
        "-firmware",
        "efi",
        "-net",
        "PG-Prod",
        "-net.adapter",
        "vmxnet3",
        "-net.address",
        "00:50:56:aa:bb:01",
        "-disk",
        "4MB",
        "-on=false",
        VM);
    String pvscsi = vcsim.govc("device.scsi.add", "-vm", VM, "-type", "pvscsi").trim();
    vcsim.govc(
        "vm.disk.create",
        "-vm",
        VM,
        "-ds",
        "LocalDS_0",
        "-name",
        VM + "/data1",
        "-size",
        "2MB",
        "-controller",
        pvscsi);
    vcsim.govc(
        "vm.network.add",
        "-vm",
        VM,
        "-net",
        "VM Network",
        "-net.adapter",
        "e1000e",
        "-net.address",
        "00:50:56:aa:bb:02");
    vcsim.govc("vm.change", "-vm", VM, "-annotation", "web server of the shop");
    uploadVmdk(raw0, VM + "/" + VM + ".vmdk");
    uploadVmdk(raw1, VM + "/data1.vmdk");
    setCoresPerSocket(2);
    vcsim.govc(
        "vm.create",
        "-folder",
        "/DC0/vm/" + FOLDER,
        "-pool",
        "/DC0/host/DC0_C0/Resources",
        "-ds",
        "LocalDS_0",
        "-c",
        "1",
        "-m",
        "512",
        "-net",
        "VM Network",
        "-net.adapter",
        "e1000",
        "-net.address",
        "00:50:56:aa:bb:03",
        "-disk",
        "2MB",
        "-on=true",
        RUNNING_VM);
    uploadVmdk(raw1, RUNNING_VM + "/" + RUNNING_VM + ".vmdk");
  }

  /**
   * A powered-off VM on "VM Network" with one disk per raw file, each as large as its file (whole
   * MiB), holding that file's content.
   */
  void addVm(String name, List<Path> raws) throws Exception {
    for (Path raw : raws) {
      assertThat(Files.size(raw) % (1 << 20)).as("size of %s in whole MiB", raw).isZero();
    }
    vcsim.govc(
        "vm.create",
        "-folder",
        "/DC0/vm/" + FOLDER,
        "-pool",
        "/DC0/host/DC0_C0/Resources",
        "-ds",
        "LocalDS_0",
        "-net",
        "VM Network",
        "-net.adapter",
        "e1000",
        "-disk",
        (Files.size(raws.get(0)) >> 20) + "MB",
        "-on=false",
        name);
    uploadVmdk(raws.get(0), name + "/" + name + ".vmdk");
    for (int i = 1; i < raws.size(); i++) {
      vcsim.govc(
          "vm.disk.create",
          "-vm",
          name,
          "-ds",
          "LocalDS_0",
          "-name",
          name + "/data" + i,
          "-size",
          (Files.size(raws.get(i)) >> 20) + "MB");
      uploadVmdk(raws.get(i), name + "/data" + i + ".vmdk");
    }
  }

  /** The streamOptimized VMDK made from a raw file and uploaded to vcsim. */
  Path vmdkOf(Path raw) {
    return dir.resolve(raw.getFileName() + ".vmdk");
  }

  private void uploadVmdk(Path raw, String datastorePath) throws Exception {
    Path vmdk = vmdkOf(raw);
    run(
        "qemu-img",
        "convert",
        "-f",
        "raw",
        "-O",
        "vmdk",
        "-o",
        "subformat=streamOptimized",
        raw.toString(),
        vmdk.toString());
    vcsim.govc("datastore.upload", "-ds", "LocalDS_0", vmdk.toString(), datastorePath);
  }

  /** govc 0.24 has no cores-per-socket flag: reconfigure through the API. */
  private void setCoresPerSocket(int cores) throws Exception {
    try (VimConnection connection = VimConnection.open(VmwareSettings.of(insecureSource()))) {
      var session = new io.vmimport.provider.vmware.internal.VmwareSourceSession(connection);
      var vm = session.findVm(new VmLocator(VM, java.util.Optional.of(FOLDER)));
      VirtualMachineConfigSpec spec = new VirtualMachineConfigSpec();
      spec.setNumCoresPerSocket(cores);
      connection.call("reconfigure", v -> v.reconfigVM_Task(vm, spec));
      Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
      while (!Integer.valueOf(cores)
          .equals(
              connection
                  .properties(vm, "config.hardware.numCoresPerSocket")
                  .get("config.hardware.numCoresPerSocket"))) {
        assertThat(Instant.now()).as("cores per socket applied in time").isBefore(deadline);
        TimeUnit.MILLISECONDS.sleep(100);
      }
    }
  }

  SourceSpec source(Map<String, String> settings, Map<String, String> secret) {
    Map<String, String> allSettings = new HashMap<>();
    allSettings.put("endpoint", vcsim.endpoint());
    allSettings.put("dc", "/DC0");
    allSettings.putAll(settings);
    return new SourceSpec(
        "vmware", "default", "vcsim", allSettings, new Credentials("vcsim-creds", secret));
  }

  SourceSpec insecureSource() {
    return source(
        Map.of(VmwareSettings.INSECURE_SETTING, "true"),
        Map.of("username", USER, "password", PASSWORD));
  }

  SourceSpec sourceWithPassword(String password) {
    return source(
        Map.of(VmwareSettings.INSECURE_SETTING, "true"),
        Map.of("username", USER, "password", password));
  }

  static VmLocator app01() {
    return new VmLocator(RUNNING_VM, java.util.Optional.of(FOLDER));
  }

  static VmLocator web01() {
    return new VmLocator(VM, java.util.Optional.of(FOLDER));
  }

  static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException(command[0] + " did not finish in 5 minutes");
    }
    if (process.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }

  static void copy(java.io.InputStream in, Path file) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      in.transferTo(out);
    }
  }

  List<Path> raws() {
    return List.of(raw0, raw1);
  }

  @Override
  public void close() throws InterruptedException {
    vcsim.close();
  }
}
