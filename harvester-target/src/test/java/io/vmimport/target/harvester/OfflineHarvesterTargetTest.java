package io.vmimport.target.harvester;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetVm;
import io.vmimport.core.DirectoryTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OfflineHarvesterTargetTest {
  @TempDir Path outputDir;

  private List<JsonNode> runImport(OfflineHarvesterTarget target, TargetVm vm) throws Exception {
    List<PublishedImage> images = new ArrayList<>();
    for (TargetDisk disk : vm.disks()) {
      Path file = target.diskPath(vm.importRef(), disk);
      Files.createDirectories(file.getParent());
      Files.write(file, new byte[] {1, 2, 3});
      images.add(target.publish(vm, disk, file));
    }
    target.createVm(vm, images);
    Path manifests = file(vm, OfflineHarvesterTarget.MANIFESTS_FILE);
    try (MappingIterator<JsonNode> docs =
        new YAMLMapper().readerFor(JsonNode.class).readValues(manifests.toFile())) {
      return docs.readAll();
    }
  }

  private Path file(TargetVm vm, String name) {
    return new DirectoryTarget(outputDir, DiskFormat.QCOW2).importDir(vm.importRef()).resolve(name);
  }

  @Test
  void writesImagesAndTheVmAsValidManifestsWithPlaceholderUrls() throws Exception {
    TargetVm vm = TestVms.webServer("vms", "import-web", Optional.of("lvm-striped"));
    List<JsonNode> docs = runImport(new OfflineHarvesterTarget(outputDir, DiskFormat.QCOW2), vm);

    assertThat(docs)
        .extracting(d -> d.path("kind").asText())
        .containsExactly(
            "VirtualMachineImage", "VirtualMachineImage", "VirtualMachineImage", "VirtualMachine");
    for (int i = 0; i < 3; i++) {
      JsonNode image = docs.get(i);
      assertThat(image.at("/spec/url").asText())
          .isEqualTo(OfflineHarvesterTarget.URL_PLACEHOLDER + "disk-" + i + ".qcow2");
      assertThat(image.at("/spec/backend").asText()).isEqualTo("cdi");
      assertThat(
              image.at("/metadata/ownerReferences").isMissingNode()
                  || image.at("/metadata/ownerReferences").isEmpty())
          .isTrue();
      Crds.assertValid(Crds.IMAGES, image);
    }
    JsonNode machine = docs.get(3);
    assertThat(machine.at("/spec/template/spec/volumes/1/persistentVolumeClaim/claimName").asText())
        .isEqualTo(docs.get(1).at("/metadata/name").asText());
    Crds.assertValid(Crds.VIRTUAL_MACHINES, machine);
    assertThat(file(vm, "vm.json")).exists();
    assertThat(Files.readString(file(vm, OfflineHarvesterTarget.README_FILE)))
        .contains("kubectl apply -n vms -f manifests.yaml")
        .contains(OfflineHarvesterTarget.URL_PLACEHOLDER)
        .contains("disk-0.qcow2");
  }

  @Test
  void backingImageBackendAddsAPvcPerDisk() throws Exception {
    TargetVm vm = TestVms.webServer("vms", "import-web", Optional.of("harvester-longhorn"));
    List<JsonNode> docs =
        runImport(
            new OfflineHarvesterTarget(outputDir, DiskFormat.QCOW2, ImageBackend.BACKING_IMAGE),
            vm);

    assertThat(docs)
        .extracting(d -> d.path("kind").asText())
        .containsExactly(
            "VirtualMachineImage",
            "PersistentVolumeClaim",
            "VirtualMachineImage",
            "PersistentVolumeClaim",
            "VirtualMachineImage",
            "PersistentVolumeClaim",
            "VirtualMachine");
    JsonNode pvc = docs.get(1);
    String image = docs.get(0).at("/metadata/name").asText();
    assertThat(pvc.at("/metadata/name").asText()).isEqualTo(image);
    assertThat(pvc.at("/spec/storageClassName").asText()).isEqualTo("longhorn-" + image);
    assertThat(pvc.at("/spec/resources/requests/storage").asText()).isEqualTo("2097152");
  }

  @Test
  void discardRemovesManifestsDisksAndTheFolder() throws Exception {
    TargetVm vm = TestVms.webServer("vms", "import-web", Optional.empty());
    OfflineHarvesterTarget target = new OfflineHarvesterTarget(outputDir, DiskFormat.QCOW2);
    runImport(target, vm);

    target.discard(vm.importRef());

    assertThat(file(vm, OfflineHarvesterTarget.MANIFESTS_FILE).getParent()).doesNotExist();
  }
}
