package io.vmimport.target.harvester;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetVm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    return documents(file(vm, OfflineHarvesterTarget.MANIFESTS_FILE));
  }

  private static List<JsonNode> documents(Path file) throws Exception {
    try (MappingIterator<JsonNode> docs =
        new YAMLMapper().readerFor(JsonNode.class).readValues(file.toFile())) {
      return docs.readAll();
    }
  }

  private static final StorageClass LONGHORN_DEFAULT =
      new StorageClassBuilder()
          .withNewMetadata()
          .withName("harvester-longhorn")
          .withAnnotations(Map.of("storageclass.kubernetes.io/is-default-class", "true"))
          .endMetadata()
          .withProvisioner("driver.longhorn.io")
          .build();

  private static final StorageClass LVM =
      new StorageClassBuilder()
          .withNewMetadata()
          .withName("lvm-striped")
          .endMetadata()
          .withProvisioner("lvm.driver.harvesterhci.io")
          .build();

  private Path file(TargetVm vm, String name) {
    return new FolderFiles(outputDir).importDir(vm.importRef()).resolve(name);
  }

  /**
   * Issue #14: on a standard Harvester an image without a backend is a backing image (the CRD's
   * default), whose VM disks are PVCs of their own: without a storage class the output used to have
   * no PVC, and the VM pointed at volumes that would never exist.
   */
  @Test
  void withoutAStorageClassEveryDiskIsABackingImageWithItsPvc() throws Exception {
    TargetVm vm = TestVms.webServer("vms", "import-web", Optional.empty());
    List<JsonNode> docs = runImport(new OfflineHarvesterTarget(new FolderFiles(outputDir)), vm);

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
    for (int i = 0; i < 3; i++) {
      JsonNode image = docs.get(2 * i);
      JsonNode pvc = docs.get(2 * i + 1);
      String name = image.at("/metadata/name").asText();
      assertThat(image.at("/spec/url").asText())
          .isEqualTo(OfflineHarvesterTarget.URL_PLACEHOLDER + "disk-" + i + ".qcow2");
      assertThat(image.at("/spec/backend").asText()).isEqualTo("backingimage");
      assertThat(image.at("/spec/targetStorageClassName").isMissingNode()).isTrue();
      assertThat(
              image.at("/metadata/ownerReferences").isMissingNode()
                  || image.at("/metadata/ownerReferences").isEmpty())
          .isTrue();
      Crds.assertValid(Crds.IMAGES, image);
      assertThat(pvc.at("/metadata/name").asText()).isEqualTo(name);
      assertThat(pvc.at("/metadata/annotations/harvesterhci.io~1imageId").asText())
          .isEqualTo("vms/" + name);
      assertThat(pvc.at("/spec/storageClassName").asText()).isEqualTo("longhorn-" + name);
      assertThat(pvc.at("/spec/volumeMode").asText()).isEqualTo("Block");
      assertThat(pvc.at("/spec/accessModes/0").asText()).isEqualTo("ReadWriteMany");
    }
    assertThat(docs.get(2).at("/metadata/name").asText())
        .isNotEqualTo(docs.get(0).at("/metadata/name").asText());
    assertThat(docs.get(1).at("/spec/resources/requests/storage").asText()).isEqualTo("2097152");
    JsonNode machine = docs.get(6);
    assertThat(machine.at("/spec/template/spec/volumes/1/persistentVolumeClaim/claimName").asText())
        .isEqualTo(docs.get(3).at("/metadata/name").asText());
    Crds.assertValid(Crds.VIRTUAL_MACHINES, machine);
    assertThat(documents(file(vm, OfflineHarvesterTarget.IMAGES_FILE)))
        .as("images.yaml holds the images alone, to apply first")
        .containsExactly(docs.get(0), docs.get(2), docs.get(4));
    assertThat(file(vm, FolderFiles.VM_FILE)).as("the wrapped target's VM description").exists();
    assertThat(Files.readString(file(vm, OfflineHarvesterTarget.README_FILE)))
        .contains("vmimport serve " + file(vm, "").toString().replaceAll("/$", ""))
        .contains("kubectl apply -f images.yaml")
        .contains(
            "kubectl -n vms wait virtualmachineimage -l vmimport.io/import-uid=uid-import-web"
                + " --for=condition=Imported")
        .contains("kubectl apply -f manifests.yaml")
        .contains("`backingimage` backend")
        .doesNotContain("Upload File");
  }

  @Test
  void aClassOfAnotherProvisionerGivesCdiImagesWhoseVolumesAreTheVmDisks() throws Exception {
    TargetVm vm = TestVms.webServer("vms", "import-web", Optional.of("lvm-striped"));
    List<JsonNode> docs =
        runImport(
            new OfflineHarvesterTarget(
                new FolderFiles(outputDir),
                OfflineStorage.of("classes.yaml", List.of(LONGHORN_DEFAULT, LVM))),
            vm);

    assertThat(docs)
        .extracting(d -> d.path("kind").asText())
        .containsExactly(
            "VirtualMachineImage", "VirtualMachineImage", "VirtualMachineImage", "VirtualMachine");
    for (int i = 0; i < 3; i++) {
      JsonNode image = docs.get(i);
      assertThat(image.at("/spec/backend").asText()).isEqualTo("cdi");
      assertThat(image.at("/spec/targetStorageClassName").asText()).isEqualTo("lvm-striped");
      Crds.assertValid(Crds.IMAGES, image);
    }
    JsonNode machine = docs.get(3);
    assertThat(machine.at("/spec/template/spec/volumes/1/persistentVolumeClaim/claimName").asText())
        .isEqualTo(docs.get(1).at("/metadata/name").asText());
    Crds.assertValid(Crds.VIRTUAL_MACHINES, machine);
    assertThat(Files.readString(file(vm, OfflineHarvesterTarget.README_FILE)))
        .contains("storage class `lvm-striped`")
        .contains("`cdi` backend");
  }

  @Test
  void withTheClustersClassesAnImageWithoutAClassGetsTheDefaultOne() throws Exception {
    TargetVm vm = TestVms.webServer("vms", "import-web", Optional.empty());
    List<JsonNode> docs =
        runImport(
            new OfflineHarvesterTarget(
                new FolderFiles(outputDir),
                OfflineStorage.of("classes.yaml", List.of(LVM, LONGHORN_DEFAULT))),
            vm);

    JsonNode image = docs.get(0);
    assertThat(image.at("/spec/backend").asText()).isEqualTo("backingimage");
    assertThat(image.at("/spec/targetStorageClassName").asText()).isEqualTo("harvester-longhorn");
    assertThat(docs.get(1).path("kind").asText()).isEqualTo("PersistentVolumeClaim");
  }

  @Test
  void aClassTheClusterDoesNotHaveIsAnErrorNamingTheClassesItHas() {
    TargetVm vm = TestVms.webServer("vms", "import-web", Optional.of("fast"));
    OfflineHarvesterTarget target =
        new OfflineHarvesterTarget(
            new FolderFiles(outputDir), OfflineStorage.of("classes.yaml", List.of(LVM)));

    assertThat(target.preflight(vm))
        .singleElement()
        .satisfies(
            issue -> {
              assertThat(issue.isError()).isTrue();
              assertThat(issue.field()).contains("spec.storageClass");
              assertThat(issue.message())
                  .isEqualTo("storage class 'fast' is not in classes.yaml; it has [lvm-striped]");
            });
    TargetVm withoutClass = TestVms.webServer("vms", "import-web", Optional.empty());
    assertThat(target.preflight(withoutClass))
        .singleElement()
        .satisfies(
            issue ->
                assertThat(issue.message())
                    .isEqualTo(
                        "no default storage class in classes.yaml; name one of [lvm-striped] in"
                            + " spec.storageClass"));
  }

  @Test
  void discardRemovesManifestsDisksAndTheFolder() throws Exception {
    TargetVm vm = TestVms.webServer("vms", "import-web", Optional.empty());
    OfflineHarvesterTarget target = new OfflineHarvesterTarget(new FolderFiles(outputDir));
    runImport(target, vm);

    target.discard(vm.importRef());

    assertThat(file(vm, OfflineHarvesterTarget.MANIFESTS_FILE).getParent()).doesNotExist();
    assertThat(file(vm, OfflineHarvesterTarget.IMAGES_FILE)).doesNotExist();
  }
}
