package io.vmimport.examples.directory;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.WireValues;
import io.vmimport.api.model.Cpu;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.FirmwareType;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.model.SourceVm;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads {@code vm.json} with Jackson's tree model, so every missing or wrong field is reported with
 * its path ({@code disks[1].bus}) and absent values become {@code Optional}s, not nulls.
 */
final class VmDefinitionParser {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final Set<String> VM_FIELDS =
      Set.of(
          "id",
          "cpus",
          "coresPerSocket",
          "memoryMiB",
          "firmware",
          "secureBoot",
          "tpm",
          "description",
          "guestOs",
          "disks",
          "nics");
  private static final Set<String> DISK_FIELDS = Set.of("file", "bus", "bootOrder");
  private static final Set<String> NIC_FIELDS = Set.of("mac", "model", "network");

  private VmDefinitionParser() {}

  /**
   * @throws VmImportException {@code INVALID_SPEC} for a file that is not a JSON object, {@code
   *     NOT_FOUND} for a missing one, {@code SOURCE_UNAVAILABLE} when it cannot be read
   */
  static JsonNode read(Path file) {
    JsonNode root;
    try (InputStream input = Files.newInputStream(file)) {
      root = MAPPER.readTree(input);
    } catch (JsonProcessingException e) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC, file + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (NoSuchFileException e) {
      throw new VmImportException(ErrorCode.NOT_FOUND, file + " does not exist", e);
    } catch (IOException e) {
      throw new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, "cannot read " + file, e);
    }
    if (root == null || !root.isObject()) {
      throw new VmImportException(ErrorCode.INVALID_SPEC, file + " must hold a JSON object");
    }
    return root;
  }

  static String id(JsonNode root, String folderName, Path file) {
    return new Fields(root, file.toString(), "").text("id").orElse(folderName);
  }

  static SourceVm toSourceVm(JsonNode root, VmFolder folder) {
    String file = folder.dir().resolve(VmFolder.DEFINITION_FILE).toString();
    Fields vm = new Fields(root, file, "");
    vm.rejectUnknown(VM_FIELDS);

    int cpus = vm.requiredInt("cpus");
    int coresPerSocket = vm.optionalInt("coresPerSocket").orElse(1);
    long memoryMiB = vm.requiredLong("memoryMiB");
    FirmwareType firmwareType =
        vm.text("firmware")
            .map(
                value ->
                    WireValues.parse(
                        FirmwareType.class, FirmwareType::wireValue, value, vm.path("firmware")))
            .orElse(FirmwareType.BIOS);
    boolean secureBoot = vm.bool("secureBoot");
    if (secureBoot && firmwareType != FirmwareType.EFI) {
      throw vm.invalid("secureBoot", "needs \"firmware\": \"efi\"");
    }
    if (cpus < 1 || coresPerSocket < 1 || memoryMiB < 1) {
      throw vm.invalid("cpus, coresPerSocket and memoryMiB", "must be at least 1");
    }

    List<SourceDisk> disks = new ArrayList<>();
    List<JsonNode> diskNodes = vm.array("disks");
    for (int i = 0; i < diskNodes.size(); i++) {
      disks.add(disk(new Fields(diskNodes.get(i), file, "disks[" + i + "]."), i, folder));
    }
    List<SourceNic> nics = new ArrayList<>();
    List<JsonNode> nicNodes = vm.array("nics");
    for (int i = 0; i < nicNodes.size(); i++) {
      nics.add(nic(new Fields(nicNodes.get(i), file, "nics[" + i + "]."), i));
    }

    return new SourceVm(
        vm.text("id").orElse(folder.name()),
        folder.name(),
        new Cpu(cpus, coresPerSocket),
        memoryMiB,
        new Firmware(firmwareType, secureBoot, vm.bool("tpm")),
        disks,
        nics,
        vm.text("description"),
        vm.text("guestOs"));
  }

  private static SourceDisk disk(Fields disk, int index, VmFolder folder) {
    disk.rejectUnknown(DISK_FIELDS);
    String name = disk.requiredText("file");
    // a disk key is a plain file name in the VM's folder: "../x" or "a/b" could read other files
    if (name.startsWith(".") || !isPlainFileName(name)) {
      throw disk.invalid("file", "must be a file name in the VM folder, not '" + name + "'");
    }
    Path file = folder.dir().resolve(name);
    DiskImageFile image;
    try {
      image = DiskImageFile.inspect(file);
    } catch (NoSuchFileException e) {
      throw new VmImportException(
          ErrorCode.NOT_FOUND,
          "disk file " + file + " of VM '" + folder.name() + "' is missing",
          e);
    } catch (IOException e) {
      throw new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, "cannot read " + file, e);
    }
    Optional<DiskBus> bus = disk.text("bus").map(value -> DiskBus.parse(value, disk.path("bus")));
    OptionalInt bootOrder = disk.optionalInt("bootOrder");
    if (bootOrder.isPresent() && bootOrder.getAsInt() < 1) {
      throw disk.invalid("bootOrder", "must be at least 1");
    }
    return new SourceDisk(
        index,
        name,
        name,
        image.capacityBytes(),
        OptionalLong.of(image.fileBytes()),
        bus,
        bootOrder);
  }

  private static boolean isPlainFileName(String name) {
    try {
      Path path = Path.of(name);
      return path.getNameCount() == 1 && path.getFileName().toString().equals(name);
    } catch (InvalidPathException e) {
      return false;
    }
  }

  private static SourceNic nic(Fields nic, int index) {
    nic.rejectUnknown(NIC_FIELDS);
    return new SourceNic(
        index,
        nic.requiredText("mac"),
        nic.text("model").map(value -> NicModel.parse(value, nic.path("model"))),
        nic.text("network"));
  }

  /** Typed access to the fields of one JSON object, with errors naming file and field path. */
  private record Fields(JsonNode node, String file, String prefix) {
    Fields {
      requireNonNull(node, "node is null");
      requireNonNull(file, "file is null");
      requireNonNull(prefix, "prefix is null");
    }

    String path(String field) {
      return file + ": " + prefix + field;
    }

    VmImportException invalid(String field, String problem) {
      return new VmImportException(ErrorCode.INVALID_SPEC, path(field) + " " + problem);
    }

    void rejectUnknown(Set<String> known) {
      if (!node.isObject()) {
        String where =
            prefix.isEmpty() ? "the top level" : prefix.substring(0, prefix.length() - 1);
        throw new VmImportException(
            ErrorCode.INVALID_SPEC, file + ": " + where + " must be a JSON object");
      }
      for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!known.contains(name)) {
          throw invalid(name, "is not a known field; known: " + new TreeSet<>(known));
        }
      }
    }

    Optional<String> text(String field) {
      JsonNode value = node.get(field);
      if (value == null || value.isNull()) {
        return Optional.empty();
      }
      if (!value.isTextual()) {
        throw invalid(field, "must be a string");
      }
      return Optional.of(value.asText()).filter(text -> !text.isBlank());
    }

    String requiredText(String field) {
      return text(field).orElseThrow(() -> invalid(field, "is required"));
    }

    OptionalInt optionalInt(String field) {
      JsonNode value = node.get(field);
      if (value == null || value.isNull()) {
        return OptionalInt.empty();
      }
      if (!value.canConvertToInt() || !value.isIntegralNumber()) {
        throw invalid(field, "must be an integer");
      }
      return OptionalInt.of(value.intValue());
    }

    int requiredInt(String field) {
      return optionalInt(field).orElseThrow(() -> invalid(field, "is required"));
    }

    long requiredLong(String field) {
      JsonNode value = node.get(field);
      if (value == null || value.isNull()) {
        throw invalid(field, "is required");
      }
      if (!value.canConvertToLong() || !value.isIntegralNumber()) {
        throw invalid(field, "must be an integer");
      }
      return value.longValue();
    }

    boolean bool(String field) {
      JsonNode value = node.get(field);
      if (value == null || value.isNull()) {
        return false;
      }
      if (!value.isBoolean()) {
        throw invalid(field, "must be true or false");
      }
      return value.booleanValue();
    }

    List<JsonNode> array(String field) {
      JsonNode value = node.get(field);
      if (value == null || value.isNull()) {
        return List.of();
      }
      if (!value.isArray()) {
        throw invalid(field, "must be an array");
      }
      List<JsonNode> elements = new ArrayList<>();
      value.elements().forEachRemaining(elements::add);
      return elements;
    }
  }
}
