package io.vmimport.provider.ova.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Cpu;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.model.SourceVm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.w3c.dom.Element;

/**
 * One VirtualSystem's hardware as a {@link SourceVm}: the items of its VirtualHardwareSection (rasd
 * {@code Item}s in OVF 1.x; {@code StorageItem} and {@code EthernetPortItem} too in 2.x), read for
 * the configuration in use, plus what VMware ({@code vmw:Config}, {@code vmw:CoresPerSocket},
 * {@code vmw:BootOrderSection}) and VirtualBox ({@code vbox:Machine}) add. What the descriptor does
 * not say is left out, not guessed.
 */
final class OvfHardwareMapper {
  // CIM ResourceType values (DSP1041)
  private static final int CPU = 3;
  private static final int MEMORY = 4;
  private static final int IDE = 5;
  private static final int SCSI = 6;
  private static final int ETHERNET = 10;
  private static final int DISK = 17;
  private static final int OTHER_STORAGE = 20;
  private static final int USB = 23;

  private static final Pattern MAC =
      Pattern.compile("([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{12}");

  private final OvfDescriptor descriptor;

  OvfHardwareMapper(OvfDescriptor descriptor) {
    this.descriptor = descriptor;
  }

  /**
   * @param requested the configuration to use instead of the default, when one is named
   * @throws VmImportException INVALID_SPEC for an unknown configuration, NOT_SUPPORTED when the
   *     descriptor lacks what a VM cannot be made without (CPU count, memory)
   */
  OvaVm map(Element system, Optional<String> requested) {
    String id = OvfDescriptor.idOf(system);
    String name = OvfDescriptor.nameOf(system);
    Optional<String> configuration = configuration(requested);
    Element hardware =
        Xml.child(system, "VirtualHardwareSection")
            .orElseThrow(
                () -> unsupported("VirtualSystem " + name + " has no VirtualHardwareSection"));
    List<Element> items = itemsFor(hardware, configuration);
    Map<String, Element> byInstance = new HashMap<>();
    for (Element item : items) {
      Xml.text(item, "InstanceID").ifPresent(instance -> byInstance.put(instance, item));
    }

    Cpu cpu = cpu(name, items);
    long memoryMiB = memoryMiB(name, items);
    Map<String, String> config = vmwConfig(hardware);
    Optional<Element> vbox = Xml.child(system, "Machine");
    Firmware firmware = firmware(config, items, vbox);

    Map<String, Integer> bootRanks = bootRanks(system);
    OptionalInt vboxDiskBoot =
        vbox.flatMap(OvfHardwareMapper::vboxHardDiskBootPosition).stream()
            .mapToInt(Integer::intValue)
            .findFirst();
    List<SourceDisk> disks = new ArrayList<>();
    Map<String, OvfDescriptor.DiskDef> diskDefs = new LinkedHashMap<>();
    for (Element item : items) {
      if (resourceType(item) != DISK) {
        continue;
      }
      Optional<String> host = Xml.text(item, "HostResource");
      if (host.isEmpty()) {
        continue; // a drive with nothing in it
      }
      String diskId = diskIdOf(host.get());
      OvfDescriptor.DiskDef disk = descriptor.disks().get(diskId);
      if (disk == null) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            "OVF descriptor "
                + descriptor.name()
                + ": disk item of "
                + name
                + " names "
                + host.get()
                + ", which is not in the DiskSection");
      }
      int index = disks.size();
      String diskName = disk.file().map(OvfDescriptor.FileRef::href).orElse(diskId);
      OptionalLong allocated =
          disk.file().map(OvfDescriptor.FileRef::size).orElse(OptionalLong.empty());
      Optional<DiskBus> bus =
          Xml.text(item, "Parent").map(byInstance::get).flatMap(OvfHardwareMapper::busOf);
      OptionalInt boot = OptionalInt.empty();
      Integer rank = Xml.text(item, "InstanceID").map(bootRanks::get).orElse(null);
      if (rank != null) {
        boot = OptionalInt.of(rank);
      } else if (bootRanks.isEmpty() && index == 0 && vboxDiskBoot.isPresent()) {
        // VirtualBox boots "HardDisk" from the first disk
        boot = vboxDiskBoot;
      }
      disks.add(
          new SourceDisk(index, diskId, diskName, disk.capacityBytes(), allocated, bus, boot));
      diskDefs.put(diskId, disk);
    }

    List<String> vboxMacs = vbox.map(OvfHardwareMapper::vboxMacs).orElse(List.of());
    List<Element> ethernet = items.stream().filter(item -> resourceType(item) == ETHERNET).toList();
    List<SourceNic> nics = new ArrayList<>();
    for (Element item : ethernet) {
      int index = nics.size();
      Optional<String> mac =
          Xml.text(item, "Address")
              .filter(a -> MAC.matcher(a).matches())
              .map(OvfHardwareMapper::mac);
      if (mac.isEmpty() && vboxMacs.size() == ethernet.size()) {
        mac = Optional.of(vboxMacs.get(index));
      }
      // an empty MAC is "none given": the target lets KubeVirt choose one
      nics.add(
          new SourceNic(
              index,
              mac.orElse(""),
              Xml.text(item, "ResourceSubType").flatMap(OvfHardwareMapper::nicModelOf),
              Xml.text(item, "Connection")));
    }

    Optional<String> description = description(system, configuration);
    return new OvaVm(
        new SourceVm(
            id.isEmpty() ? name : id,
            name,
            cpu,
            memoryMiB,
            firmware,
            disks,
            nics,
            description,
            guestOs(system)),
        diskDefs,
        configuration);
  }

  private Optional<String> configuration(Optional<String> requested) {
    List<OvfDescriptor.Configuration> all = descriptor.configurations();
    List<String> ids = all.stream().map(OvfDescriptor.Configuration::id).toList();
    if (requested.isPresent()) {
      if (!ids.contains(requested.get())) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            "deployment option '"
                + requested.get()
                + "' is not one of the descriptor's configurations "
                + ids);
      }
      return requested;
    }
    return all.stream()
        .filter(OvfDescriptor.Configuration::isDefault)
        .findFirst()
        .or(() -> all.stream().findFirst())
        .map(OvfDescriptor.Configuration::id);
  }

  /**
   * The items of one configuration, in document order. An item naming configurations applies to
   * those only, and replaces the item of the same InstanceID that names none (how a descriptor says
   * "1 vCPU, but 4 in the large configuration").
   */
  private static List<Element> itemsFor(Element hardware, Optional<String> configuration) {
    Map<String, Element> chosen = new LinkedHashMap<>();
    List<Element> withoutId = new ArrayList<>();
    for (Element item : Xml.children(hardware, "Item", "StorageItem", "EthernetPortItem")) {
      if (!applies(item, configuration)) {
        continue;
      }
      Optional<String> instance = Xml.text(item, "InstanceID");
      if (instance.isEmpty()) {
        withoutId.add(item);
      } else if (Xml.attr(item, "configuration").isPresent()
          || !chosen.containsKey(instance.get())) {
        chosen.put(instance.get(), item);
      }
    }
    List<Element> items = new ArrayList<>();
    for (Element item : Xml.children(hardware, "Item", "StorageItem", "EthernetPortItem")) {
      Optional<String> instance = Xml.text(item, "InstanceID");
      if (instance.isPresent() ? chosen.get(instance.get()) == item : withoutId.contains(item)) {
        items.add(item);
      }
    }
    return items;
  }

  private static boolean applies(Element item, Optional<String> configuration) {
    Optional<String> bound = Xml.attr(item, "bound");
    if (bound.isPresent() && !bound.get().equals("normal")) {
      return false;
    }
    Optional<String> only = Xml.attr(item, "configuration");
    if (only.isEmpty()) {
      return true;
    }
    return configuration.isPresent()
        && Arrays.asList(only.get().split("\\s+")).contains(configuration.get());
  }

  private static int resourceType(Element item) {
    try {
      return Xml.text(item, "ResourceType").map(Integer::parseInt).orElse(-1);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private Cpu cpu(String name, List<Element> items) {
    Element item =
        items.stream()
            .filter(i -> resourceType(i) == CPU)
            .findFirst()
            .orElseThrow(
                () ->
                    unsupported(
                        "the descriptor gives VM " + name + " no CPU item (ResourceType 3)"));
    int vcpus =
        (int)
            OvfDescriptor.parseLong(
                Xml.text(item, "VirtualQuantity")
                    .orElseThrow(
                        () ->
                            unsupported("the CPU item of VM " + name + " has no VirtualQuantity")));
    int cores =
        Xml.text(item, "CoresPerSocket").map(c -> (int) OvfDescriptor.parseLong(c)).orElse(1);
    return new Cpu(vcpus, Math.max(1, cores));
  }

  private long memoryMiB(String name, List<Element> items) {
    Element item =
        items.stream()
            .filter(i -> resourceType(i) == MEMORY)
            .findFirst()
            .orElseThrow(
                () ->
                    unsupported(
                        "the descriptor gives VM " + name + " no memory item (ResourceType 4)"));
    long quantity =
        OvfDescriptor.parseLong(
            Xml.text(item, "VirtualQuantity")
                .orElseThrow(
                    () ->
                        unsupported("the memory item of VM " + name + " has no VirtualQuantity")));
    // without units, tools mean MB (VMware, VirtualBox and ovftool all write them anyway)
    long bytes =
        AllocationUnits.bytes(
            quantity,
            Xml.text(item, "AllocationUnits").orElse("byte * 2^20"),
            "the memory of VM " + name);
    long mib = (bytes + (1L << 20) - 1) >> 20;
    if (mib < 1) {
      throw unsupported("the descriptor gives VM " + name + " no memory");
    }
    return mib;
  }

  /** {@code vmw:Config} and {@code vmw:ExtraConfig} keys of the hardware section and its items. */
  private static Map<String, String> vmwConfig(Element hardware) {
    Map<String, String> config = new HashMap<>();
    for (Element element : Xml.descendants(hardware, "Config")) {
      put(config, element);
    }
    for (Element element : Xml.descendants(hardware, "ExtraConfig")) {
      put(config, element);
    }
    return config;
  }

  private static void put(Map<String, String> config, Element element) {
    Optional<String> key = Xml.attr(element, "key");
    Optional<String> value = Xml.attr(element, "value");
    if (key.isPresent() && value.isPresent()) {
      config.putIfAbsent(key.get(), value.get());
    }
  }

  private static Firmware firmware(
      Map<String, String> config, List<Element> items, Optional<Element> vbox) {
    boolean efi = "efi".equalsIgnoreCase(config.get("firmware"));
    if (!efi && vbox.isPresent()) {
      efi =
          Xml.descendants(vbox.get(), "Firmware").stream()
              .anyMatch(
                  f -> Xml.attr(f, "type").orElse("").toUpperCase(Locale.ROOT).startsWith("EFI"));
    }
    boolean secureBoot =
        efi
            && ("true".equalsIgnoreCase(config.get("uefi.secureBoot.enabled"))
                || "true".equalsIgnoreCase(config.get("bootOptions.efiSecureBootEnabled")));
    boolean tpm =
        items.stream()
            .anyMatch(
                item ->
                    Xml.text(item, "ResourceSubType")
                        .orElse("")
                        .toLowerCase(Locale.ROOT)
                        .contains("vtpm"));
    // a descriptor that names no firmware describes a BIOS machine (OVF predates EFI)
    return efi ? Firmware.efi(secureBoot, tpm) : new Firmware(Firmware.BIOS.type(), false, tpm);
  }

  /** {@code vmw:BootOrderSection}s, in boot order: InstanceID of a device to its rank from 1. */
  private static Map<String, Integer> bootRanks(Element system) {
    Map<String, Integer> ranks = new HashMap<>();
    int rank = 0;
    for (Element section : Xml.descendants(system, "BootOrderSection")) {
      rank++;
      Optional<String> instance = Xml.attr(section, "instanceId");
      if (instance.isPresent()) {
        ranks.putIfAbsent(instance.get(), rank);
      }
    }
    return ranks;
  }

  private static Optional<Integer> vboxHardDiskBootPosition(Element machine) {
    for (Element order : Xml.descendants(machine, "Order")) {
      if ("HardDisk".equalsIgnoreCase(Xml.attr(order, "device").orElse(""))) {
        return Xml.attr(order, "position").map(p -> (int) OvfDescriptor.parseLong(p));
      }
    }
    return Optional.empty();
  }

  /** MACs of the enabled adapters, by slot: VirtualBox writes them only in its own section. */
  private static List<String> vboxMacs(Element machine) {
    List<String> macs = new ArrayList<>();
    for (Element network : Xml.descendants(machine, "Network")) {
      for (Element adapter : Xml.children(network, "Adapter")) {
        if ("true".equals(Xml.attr(adapter, "enabled").orElse("false"))) {
          Xml.attr(adapter, "MACAddress")
              .filter(m -> MAC.matcher(m).matches())
              .map(OvfHardwareMapper::mac)
              .ifPresent(macs::add);
        }
      }
    }
    return macs;
  }

  /** {@code 0800272AFB4E} or {@code 08-00-27-2a-fb-4e} as {@code 08:00:27:2a:fb:4e}. */
  static String mac(String text) {
    String hex = text.replaceAll("[:-]", "").toLowerCase(Locale.ROOT);
    StringBuilder mac = new StringBuilder();
    for (int i = 0; i < 12; i += 2) {
      mac.append(i == 0 ? "" : ":").append(hex, i, i + 2);
    }
    return mac.toString();
  }

  static String diskIdOf(String hostResource) {
    String path = hostResource.startsWith("ovf:") ? hostResource.substring(4) : hostResource;
    int slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.substring(slash + 1);
  }

  static Optional<DiskBus> busOf(Element controller) {
    int type = resourceType(controller);
    String subtype = Xml.text(controller, "ResourceSubType").orElse("").toLowerCase(Locale.ROOT);
    return switch (type) {
      // KubeVirt has no IDE; SATA boots every guest that booted from IDE
      case IDE -> Optional.of(DiskBus.SATA);
      case SCSI ->
          // KubeVirt has no paravirtual SCSI; SATA boots every guest without extra drivers
          subtype.contains("virtualscsi") || subtype.contains("pvscsi")
              ? Optional.of(DiskBus.SATA)
              : Optional.of(DiskBus.SCSI);
      case OTHER_STORAGE ->
          subtype.contains("ahci") || subtype.contains("sata")
              ? Optional.of(DiskBus.SATA)
              : subtype.contains("nvme") ? Optional.of(DiskBus.VIRTIO) : Optional.empty();
      case USB -> Optional.of(DiskBus.USB);
      default -> Optional.empty();
    };
  }

  static Optional<NicModel> nicModelOf(String subtype) {
    String model = subtype.toLowerCase(Locale.ROOT).replaceAll("[\\s_-]", "");
    if (model.startsWith("e1000e")) {
      return Optional.of(NicModel.E1000E);
    }
    if (model.startsWith("e1000") || model.equals("82540em") || model.equals("82545em")) {
      return Optional.of(NicModel.E1000);
    }
    if (model.startsWith("82543gc")) {
      return Optional.of(NicModel.E1000);
    }
    if (model.startsWith("vmxnet") || model.startsWith("virtio")) {
      // vmxnet's guests have virtio drivers on KubeVirt, as the VMware provider maps it
      return Optional.of(NicModel.VIRTIO);
    }
    if (model.startsWith("pcnet") || model.equals("am79c970a") || model.equals("am79c973")) {
      return Optional.of(NicModel.PCNET);
    }
    if (model.startsWith("rtl8139")) {
      return Optional.of(NicModel.RTL8139);
    }
    if (model.startsWith("ne2k")) {
      return Optional.of(NicModel.NE2K_PCI);
    }
    return Optional.empty();
  }

  private Optional<String> description(Element system, Optional<String> configuration) {
    Optional<String> annotation =
        Xml.child(system, "AnnotationSection").flatMap(section -> Xml.text(section, "Annotation"));
    if (configuration.isEmpty()) {
      return annotation;
    }
    // inspect shows this: which of the descriptor's deployment options the VM was read for
    String used =
        "OVF deployment option '"
            + configuration.get()
            + "' of "
            + descriptor.configurations().stream().map(OvfDescriptor.Configuration::id).toList();
    return Optional.of(annotation.map(a -> a + " (" + used + ")").orElse(used));
  }

  private static Optional<String> guestOs(Element system) {
    Optional<Element> os = Xml.child(system, "OperatingSystemSection");
    if (os.isEmpty()) {
      return Optional.empty();
    }
    return Xml.attr(os.get(), "osType")
        .or(() -> Xml.text(os.get(), "OSType"))
        .or(() -> Xml.text(os.get(), "Description"));
  }

  private static VmImportException unsupported(String message) {
    return new VmImportException(ErrorCode.NOT_SUPPORTED, message);
  }
}
