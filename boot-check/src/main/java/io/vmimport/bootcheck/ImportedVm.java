package io.vmimport.bootcheck;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An imported VM ready to boot: the VirtualMachine object and the image of each of its disks.
 *
 * @param virtualMachine the VirtualMachine object as the import wrote it
 * @param disks the image of each disk, by disk name
 */
public record ImportedVm(JsonNode virtualMachine, KubevirtVm vm, Map<String, DiskImage> disks) {
  public static final String MANIFESTS_FILE = "manifests.yaml";

  public ImportedVm {
    requireNonNull(virtualMachine, "virtualMachine is null");
    requireNonNull(vm, "vm is null");
    disks = Map.copyOf(disks);
  }

  /**
   * Reads the offline output of {@code vmimport import --output-dir}: the folder of one import,
   * whose {@code manifests.yaml} holds the VirtualMachine and a VirtualMachineImage per disk. A
   * disk's volume names its claim, the claim is named after the image, and the image's URL ends
   * with the disk file's name in that folder.
   */
  public static ImportedVm fromOfflineOutput(Path importDir) throws IOException {
    Path manifests = importDir.resolve(MANIFESTS_FILE);
    List<JsonNode> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> documents =
        new YAMLMapper().readerFor(JsonNode.class).readValues(manifests.toFile())) {
      while (documents.hasNext()) {
        JsonNode document = documents.next();
        if (document != null && !document.isNull()) {
          objects.add(document);
        }
      }
    }
    List<JsonNode> machines =
        objects.stream().filter(o -> "VirtualMachine".equals(o.path("kind").asText())).toList();
    if (machines.size() != 1) {
      throw new IllegalArgumentException(
          manifests + " holds " + machines.size() + " VirtualMachines; expected one");
    }
    Map<String, String> imageUrls = new LinkedHashMap<>();
    for (JsonNode object : objects) {
      if ("VirtualMachineImage".equals(object.path("kind").asText())) {
        imageUrls.put(object.at("/metadata/name").asText(), object.at("/spec/url").asText());
      }
    }
    KubevirtVm vm = KubevirtVm.of(machines.get(0));
    Map<String, DiskImage> disks = new LinkedHashMap<>();
    for (KubevirtVm.Disk disk : vm.disks()) {
      String url = imageUrls.get(disk.volume().claimName());
      if (url == null) {
        throw new IllegalArgumentException(
            manifests
                + ": disk "
                + disk.name()
                + " uses claim "
                + disk.volume().claimName()
                + ", which names no VirtualMachineImage of "
                + imageUrls.keySet());
      }
      Path file = importDir.resolve(url.substring(url.lastIndexOf('/') + 1));
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException(
            manifests
                + ": disk "
                + disk.name()
                + " is served from "
                + url
                + ", but "
                + file
                + " does not exist");
      }
      disks.put(disk.name(), DiskImage.of(file));
    }
    return new ImportedVm(machines.get(0), vm, disks);
  }
}
