package io.vmimport.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.target.harvester.OfflineStorage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The cluster's storage classes, which decide the backend of the images an import writes. */
final class StorageClassOption {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--storage-classes",
      paramLabel = "FILE",
      description =
          "The storage classes of the Harvester cluster the output is for, as 'kubectl get"
              + " storageclass -o yaml' prints them. They decide each image's backend (Longhorn v1:"
              + " backingimage, else cdi) and the class used when spec.storageClass is empty (the"
              + " default one). Without it, the classes are assumed to be Longhorn v1, as"
              + " Harvester's own are.")
  Path file;

  /** How the images' storage is decided. */
  OfflineStorage storage() {
    if (file == null) {
      return OfflineStorage.harvesterDefaults();
    }
    List<StorageClass> classes = new ArrayList<>();
    for (YamlDocuments.Document document : YamlDocuments.read(file, "a list of storage classes")) {
      JsonNode node = document.node();
      String kind = node.path("kind").asText("");
      if (kind.equals("StorageClass")) {
        classes.add(storageClass(document.number(), node));
      } else if (kind.equals("List") || kind.equals("StorageClassList")) {
        for (JsonNode item : node.path("items")) {
          classes.add(storageClass(document.number(), item));
        }
      } else {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            file
                + ": document "
                + document.number()
                + " is a '"
                + kind
                + "', not a StorageClass or a List of them; write it with 'kubectl get"
                + " storageclass -o yaml'");
      }
    }
    if (classes.isEmpty()) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          file + ": holds no StorageClass; write it with 'kubectl get storageclass -o yaml'");
    }
    return OfflineStorage.of(file.toString(), classes);
  }

  private StorageClass storageClass(int number, JsonNode node) {
    try {
      StorageClass storageClass = JSON.treeToValue(node, StorageClass.class);
      if (storageClass.getMetadata() == null
          || storageClass.getMetadata().getName() == null
          || storageClass.getProvisioner() == null) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            file + ": document " + number + ": a StorageClass needs metadata.name and provisioner");
      }
      return storageClass;
    } catch (JsonProcessingException e) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          file + ": document " + number + " is not a StorageClass: " + e.getOriginalMessage(),
          e);
    }
  }
}
