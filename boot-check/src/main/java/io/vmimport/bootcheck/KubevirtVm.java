package io.vmimport.bootcheck;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of a KubeVirt VirtualMachine that decide how its guest boots: firmware, CPU topology,
 * memory, disks with their bus and boot order, NICs with their model and MAC.
 */
public record KubevirtVm(
    String name,
    Firmware firmware,
    int sockets,
    int cores,
    int threads,
    long memoryMiB,
    List<Disk> disks,
    List<Nic> nics) {

  public KubevirtVm {
    requireNonNull(name, "name is null");
    requireNonNull(firmware, "firmware is null");
    disks = List.copyOf(disks);
    nics = List.copyOf(nics);
    if (sockets < 1 || cores < 1 || threads < 1) {
      throw new IllegalArgumentException(
          "CPU topology must be positive: " + sockets + "/" + cores + "/" + threads);
    }
    if (memoryMiB < 1) {
      throw new IllegalArgumentException("memory must be positive: " + memoryMiB);
    }
  }

  public enum Firmware {
    BIOS,
    EFI,
    /** EFI with secure boot: needs SMM and the secure-boot OVMF build. */
    EFI_SECURE_BOOT
  }

  /** A disk of {@code spec.template.spec.domain.devices.disks} and its volume. */
  public record Disk(String name, String bus, Optional<Integer> bootOrder, Volume volume) {
    public Disk {
      requireNonNull(name, "name is null");
      requireNonNull(bus, "bus is null");
      requireNonNull(bootOrder, "bootOrder is null");
      requireNonNull(volume, "volume is null");
    }
  }

  /** Where a disk's data comes from: the claim (or data volume) that names the image. */
  public record Volume(String kind, String claimName) {
    public Volume {
      requireNonNull(kind, "kind is null");
      requireNonNull(claimName, "claimName is null");
    }
  }

  public record Nic(String name, String model, String macAddress) {
    public Nic {
      requireNonNull(name, "name is null");
      requireNonNull(model, "model is null");
      requireNonNull(macAddress, "macAddress is null");
    }
  }

  public int vcpus() {
    return sockets * cores * threads;
  }

  /** The disks as the firmware tries them: by {@code bootOrder}, then those without one. */
  public List<Disk> disksInBootOrder() {
    return disks.stream()
        .sorted(Comparator.comparing(d -> d.bootOrder().orElse(Integer.MAX_VALUE)))
        .toList();
  }

  /** Reads a VirtualMachine object (kubevirt.io/v1), with KubeVirt's defaults where it has one. */
  public static KubevirtVm of(JsonNode virtualMachine) {
    if (!"VirtualMachine".equals(virtualMachine.path("kind").asText())) {
      throw new IllegalArgumentException(
          "not a VirtualMachine: kind " + virtualMachine.path("kind").asText("(none)"));
    }
    String name = virtualMachine.at("/metadata/name").asText();
    JsonNode spec = virtualMachine.at("/spec/template/spec");
    JsonNode domain = spec.path("domain");

    Firmware firmware = Firmware.BIOS;
    JsonNode efi = domain.at("/firmware/bootloader/efi");
    if (!efi.isMissingNode()) {
      // KubeVirt's default for an EFI bootloader is secure boot on
      firmware = efi.path("secureBoot").asBoolean(true) ? Firmware.EFI_SECURE_BOOT : Firmware.EFI;
    }

    JsonNode cpu = domain.path("cpu");
    int sockets = cpu.path("sockets").asInt(1);
    int cores = cpu.path("cores").asInt(1);
    int threads = cpu.path("threads").asInt(1);

    JsonNode memory = domain.at("/memory/guest");
    if (memory.isMissingNode()) {
      memory = domain.at("/resources/requests/memory");
    }
    if (memory.isMissingNode()) {
      throw new IllegalArgumentException(name + ": neither memory.guest nor a memory request");
    }

    List<Disk> disks = new ArrayList<>();
    for (JsonNode disk : domain.at("/devices/disks")) {
      String diskName = disk.path("name").asText();
      Optional<Integer> bootOrder =
          disk.has("bootOrder") ? Optional.of(disk.get("bootOrder").asInt()) : Optional.empty();
      disks.add(
          new Disk(
              diskName,
              disk.at("/disk/bus").asText("virtio"),
              bootOrder,
              volume(spec.path("volumes"), name, diskName)));
    }
    List<Nic> nics = new ArrayList<>();
    for (JsonNode nic : domain.at("/devices/interfaces")) {
      String nicName = nic.path("name").asText();
      if (!nic.hasNonNull("macAddress")) {
        throw new IllegalArgumentException(name + ": interface " + nicName + " has no macAddress");
      }
      nics.add(
          new Nic(nicName, nic.path("model").asText("virtio"), nic.get("macAddress").asText()));
    }
    return new KubevirtVm(
        name, firmware, sockets, cores, threads, mebibytes(memory.asText(), name), disks, nics);
  }

  private static Volume volume(JsonNode volumes, String vm, String disk) {
    for (JsonNode volume : volumes) {
      if (disk.equals(volume.path("name").asText())) {
        for (String kind : List.of("persistentVolumeClaim", "dataVolume")) {
          JsonNode source = volume.path(kind);
          if (!source.isMissingNode()) {
            String claim =
                source.has("claimName")
                    ? source.get("claimName").asText()
                    : source.path("name").asText();
            return new Volume(kind, claim);
          }
        }
        throw new IllegalArgumentException(
            vm + ": volume " + disk + " is neither a persistentVolumeClaim nor a dataVolume");
      }
    }
    throw new IllegalArgumentException(vm + ": disk " + disk + " has no volume");
  }

  private static final Pattern QUANTITY = Pattern.compile("(\\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?");

  /** A Kubernetes memory quantity in whole MiB; what is not a whole MiB is an error. */
  static long mebibytes(String quantity, String vm) {
    Matcher matcher = QUANTITY.matcher(quantity.trim());
    if (!matcher.matches()) {
      throw new IllegalArgumentException(vm + ": memory " + quantity + " is not a quantity");
    }
    long value = Long.parseLong(matcher.group(1));
    String unit = matcher.group(2) == null ? "" : matcher.group(2);
    long bytes =
        switch (unit) {
          case "" -> value;
          case "Ki" -> value << 10;
          case "Mi" -> value << 20;
          case "Gi" -> value << 30;
          case "Ti" -> value << 40;
          case "k" -> value * 1000;
          case "M" -> value * 1000_000;
          case "G" -> value * 1000_000_000;
          default -> value * 1000_000_000_000L;
        };
    if (bytes % (1 << 20) != 0) {
      throw new IllegalArgumentException(vm + ": memory " + quantity + " is not a whole MiB");
    }
    return bytes >> 20;
  }
}
