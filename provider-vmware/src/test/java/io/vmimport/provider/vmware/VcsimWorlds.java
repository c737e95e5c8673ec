package io.vmimport.provider.vmware;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.VmLocator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Gives test classes in other packages (the contract suites) a shaped vcsim with its own CA. */
public final class VcsimWorlds {
  private VcsimWorlds() {}

  /** Starts vcsim serving a certificate of a CA made in {@code dir}, shaped by VcsimWorld. */
  public static Handle start(Path dir) throws Exception {
    Path ca = TestCa.create(dir.resolve("ca"), "vmimport-tck-ca");
    TestCa.issueServerCertificate(ca, "127.0.0.1");
    VcsimWorld world =
        VcsimWorld.start(
            dir,
            Map.of("GOVC_TLS_CA_CERTS", ca.resolve("ca.crt").toString()),
            "-tlscert",
            ca.resolve("server.crt").toString(),
            "-tlskey",
            ca.resolve("server.key").toString());
    return new Handle(world, Files.readString(ca.resolve("ca.crt")));
  }

  /** A running, shaped vcsim; {@link #close()} stops it by PID. */
  public static final class Handle implements AutoCloseable {
    private final VcsimWorld world;
    private final String caPem;

    Handle(VcsimWorld world, String caPem) {
      this.world = world;
      this.caPem = caPem;
    }

    public SourceSpec sourceWithCa() {
      return sourceWithCaAndPassword(VcsimWorld.PASSWORD);
    }

    /** The source with the CA, reaching vSphere at another endpoint (e.g. a proxy). */
    public SourceSpec sourceWithCaAt(String endpoint) {
      return world.source(
          Map.of("endpoint", endpoint),
          Map.of("username", VcsimWorld.USER, "password", VcsimWorld.PASSWORD, "caCert", caPem));
    }

    /** vcsim's SDK endpoint, {@code https://127.0.0.1:PORT/sdk}. */
    public String endpoint() {
      return world.vcsim.endpoint();
    }

    /**
     * Adds a powered-off VM in the Migrate folder on "VM Network", with one disk per raw file (each
     * a whole number of MiB).
     *
     * @return the streamOptimized VMDK of each disk, as vcsim's NFC export serves it
     */
    public java.util.List<Path> addVm(String name, Path... raws) throws Exception {
      world.addVm(name, java.util.List.of(raws));
      return java.util.Arrays.stream(raws).map(world::vmdkOf).toList();
    }

    /**
     * Runs govc against this vcsim, verifying its certificate with the CA, and returns its output:
     * for tests that shape VMs of their own.
     */
    public String govc(String... args) throws Exception {
      return world.vcsim.govc(args);
    }

    public SourceSpec sourceWithCaAndPassword(String password) {
      return world.source(
          Map.of(), Map.of("username", VcsimWorld.USER, "password", password, "caCert", caPem));
    }

    /**
     * The raw content of web01's disks, by source disk index, for comparing what an import
     * delivered.
     */
    public java.util.List<Path> knownVmDisks() {
      return world.raws();
    }

    public VmLocator knownVm() {
      return VcsimWorld.web01();
    }

    /** app01, powered on again if a test stopped it. */
    public VmLocator poweredOnVm() {
      try {
        String state = world.vcsim.govc("vm.info", "-json", VcsimWorld.RUNNING_VM);
        if (!state.contains("\"PowerState\": \"poweredOn\"")
            && !state.contains("\"PowerState\":\"poweredOn\"")) {
          world.vcsim.govc("vm.power", "-on", VcsimWorld.RUNNING_VM);
        }
      } catch (Exception e) {
        throw new IllegalStateException("cannot power on " + VcsimWorld.RUNNING_VM, e);
      }
      return VcsimWorld.app01();
    }

    /** Converts the exported VMDK with qemu-img and compares it with the disk's known content. */
    public void verifyExport(SourceDisk disk, DiskFormat format, Path exportedFile)
        throws Exception {
      assertThat(format).as("format of an NFC export").isEqualTo(DiskFormat.VMDK);
      assertThat(disk.index()).as("disk index of web01").isBetween(0, 1);
      Path converted = exportedFile.resolveSibling(exportedFile.getFileName() + ".raw");
      VcsimWorld.run(
          "qemu-img",
          "convert",
          "-f",
          "vmdk",
          "-O",
          "raw",
          exportedFile.toString(),
          converted.toString());
      try {
        VcsimWorld.run(
            "qemu-img",
            "compare",
            "-f",
            "raw",
            "-F",
            "raw",
            "-s",
            converted.toString(),
            world.raws().get(disk.index()).toString());
      } finally {
        Files.deleteIfExists(converted);
      }
    }

    @Override
    public void close() throws InterruptedException {
      world.close();
    }
  }
}
