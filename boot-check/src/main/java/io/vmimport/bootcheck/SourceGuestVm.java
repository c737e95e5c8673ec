package io.vmimport.bootcheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmimport.bootcheck.GuestImage.Firmware;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The test guest as the disk of a vSphere VM: a powered-off VM in folder {@code Migrate} of vcsim's
 * {@code DC0}, shaped with govc like a VMware VM (vmxnet3 NICs with the MACs given, the guest's
 * disk on the controller given), and what vSphere then says about its hardware.
 */
public final class SourceGuestVm {
  /** Runs govc against the vcsim in use and returns its output. */
  public interface Govc {
    String run(String... args) throws Exception;
  }

  /** vcsim's port group of the first NIC; a second NIC is on {@code VM Network}. */
  public static final String FIRST_NETWORK = "PG-Prod";

  private SourceGuestVm() {}

  /**
   * Creates VM {@code name}, 2 vCPUs and 1 GiB, whose one disk on {@code controller} is the guest.
   */
  public static void create(
      Govc govc, String name, String controller, GuestImage guest, String... macs)
      throws Exception {
    if (macs.length == 0) {
      throw new IllegalArgumentException("a VM of the test guest needs at least one MAC");
    }
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
                FIRST_NETWORK,
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
    govc.run(create.toArray(String[]::new));
    for (int i = 1; i < macs.length; i++) {
      govc.run(
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
    govc.run(
        "datastore.upload",
        "-ds",
        "LocalDS_0",
        guest.streamOptimizedVmdk().toString(),
        name + "/" + name + ".vmdk");
  }

  /** {@code config.hardware} of the VM as vSphere reports it. */
  public static JsonNode hardware(Govc govc, String name) throws Exception {
    JsonNode info = new ObjectMapper().readTree(govc.run("vm.info", "-json", name));
    JsonNode hardware = info.at("/VirtualMachines/0/Config/Hardware");
    if (hardware.isMissingNode()) {
      throw new IllegalStateException("govc vm.info -json " + name + " has no hardware: " + info);
    }
    return hardware;
  }

  /** The MAC addresses in {@code hardware}, lower case and sorted, as the guest reports them. */
  public static List<String> macs(JsonNode hardware) {
    return hardware.findValuesAsText("MacAddress").stream()
        .map(m -> m.toLowerCase(Locale.ROOT))
        .sorted()
        .toList();
  }

  static long virtualSizeMiB(Path image) throws IOException, InterruptedException {
    Process info =
        new ProcessBuilder("qemu-img", "info", "--output=json", image.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!info.waitFor(1, TimeUnit.MINUTES) || info.exitValue() != 0) {
      throw new IOException("qemu-img info " + image + " failed: " + out);
    }
    return new ObjectMapper().readTree(out).path("virtual-size").asLong() >> 20;
  }
}
