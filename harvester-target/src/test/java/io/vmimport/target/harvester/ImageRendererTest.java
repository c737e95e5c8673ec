package io.vmimport.target.harvester;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetVm;
import io.vmimport.target.harvester.internal.ImageRenderer;
import io.vmimport.target.harvester.internal.ImageRenderer.ImageStorage;
import io.vmimport.target.harvester.internal.ImportOwnership;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImageRendererTest {
  private final TargetVm vm = TestVms.webServer("vms", "import-web", Optional.of("fast"));
  private final TargetDisk boot = vm.disks().get(0);

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource image) {
    return (Map<String, Object>) image.getAdditionalProperties().get("spec");
  }

  @Test
  void imageDownloadsFromTheGivenUrlWithLabelsAndStorageClass() {
    GenericKubernetesResource image =
        ImageRenderer.image(
            vm,
            boot,
            1,
            "http://10.0.0.5:8080/tok/disk-0.qcow2",
            Optional.of(new ImageStorage("fast", ImageBackend.BACKING_IMAGE)),
            Optional.of("1f0c-uid"));

    assertThat(image.getApiVersion()).isEqualTo("harvesterhci.io/v1beta1");
    assertThat(image.getKind()).isEqualTo("VirtualMachineImage");
    assertThat(image.getMetadata().getNamespace()).isEqualTo("vms");
    assertThat(image.getMetadata().getName())
        .isEqualTo("web-server-01-production-frankfurt-disk-0-1");
    assertThat(spec(image))
        .containsEntry("sourceType", "download")
        .containsEntry("url", "http://10.0.0.5:8080/tok/disk-0.qcow2")
        .containsEntry("displayName", TestVms.LONG_SOURCE_NAME + "-web-boot.vmdk")
        .containsEntry("targetStorageClassName", "fast")
        .containsEntry("backend", "backingimage");
    assertThat(image.getMetadata().getAnnotations())
        .containsEntry("harvesterhci.io/storageClassName", "fast");
    assertThat(image.getMetadata().getLabels())
        .containsEntry("migration.harvesterhci.io/imported", "true")
        .containsEntry("vmimport.io/import", "import-web")
        .containsEntry("vmimport.io/import-uid", "uid-import-web")
        .containsEntry("vmimport.io/disk", "disk-0");
    assertThat(image.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getApiVersion()).isEqualTo("migration.harvesterhci.io/v1beta1");
              assertThat(o.getKind()).isEqualTo("VirtualMachineImport");
              assertThat(o.getName()).isEqualTo("import-web");
              assertThat(o.getUid()).isEqualTo("1f0c-uid");
            });
    Crds.assertValid(Crds.IMAGES, image);
  }

  @Test
  void aDisplayNameOver63CharactersIsHashedIntoAValidStableLabel() {
    GenericKubernetesResource image =
        ImageRenderer.image(vm, boot, 1, "http://x/t/f", Optional.empty(), Optional.empty());
    GenericKubernetesResource again =
        ImageRenderer.image(vm, boot, 2, "http://x/u/f", Optional.empty(), Optional.empty());

    String label = image.getMetadata().getLabels().get("harvesterhci.io/imageDisplayName");
    assertThat(label).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]+");
    assertThat(again.getMetadata().getLabels())
        .containsEntry("harvesterhci.io/imageDisplayName", label);
    assertThat(image.getMetadata().getOwnerReferences()).isEmpty();
    assertThat(spec(image)).doesNotContainKeys("backend", "targetStorageClassName");
    Crds.assertValid(Crds.IMAGES, image);
  }

  @Test
  void aShortDisplayNameIsTheLabelItself() {
    TargetVm small =
        new TargetVm(
            vm.importRef(),
            "db",
            "db",
            Optional.empty(),
            vm.cpu(),
            1024,
            vm.firmware(),
            vm.disks(),
            vm.nics(),
            Optional.empty());
    GenericKubernetesResource image =
        ImageRenderer.image(small, boot, 1, "http://x/t/f", Optional.empty(), Optional.empty());

    assertThat(image.getMetadata().getLabels())
        .containsEntry("harvesterhci.io/imageDisplayName", "db-web-boot.vmdk");
  }

  @Test
  void anImportNameThatIsNoLabelValueIsHashedIntoTheSelector() {
    String importName = "web.import-" + "x".repeat(70);
    TargetVm longImport = TestVms.webServer("vms", importName, Optional.empty());
    GenericKubernetesResource image =
        ImageRenderer.image(
            longImport, boot, 1, "http://x/t/f", Optional.empty(), Optional.empty());

    String label = image.getMetadata().getLabels().get("vmimport.io/import");
    assertThat(label).hasSizeLessThanOrEqualTo(63).isNotEqualTo(importName);
    assertThat(ImportOwnership.labels(longImport.importRef()))
        .containsEntry("vmimport.io/import", label);
    Crds.assertValid(Crds.IMAGES, image);
  }

  @Test
  void backendFollowsTheStorageClassProvisionerAndDataEngine() {
    assertThat(ImageBackend.forStorageClass(sc("driver.longhorn.io", Map.of("dataEngine", "v1"))))
        .isEqualTo(ImageBackend.BACKING_IMAGE);
    assertThat(ImageBackend.forStorageClass(sc("driver.longhorn.io", Map.of())))
        .isEqualTo(ImageBackend.BACKING_IMAGE);
    assertThat(ImageBackend.forStorageClass(sc("driver.longhorn.io", Map.of("dataEngine", "v2"))))
        .isEqualTo(ImageBackend.CDI);
    assertThat(ImageBackend.forStorageClass(sc("lvm.driver.harvesterhci.io", Map.of())))
        .isEqualTo(ImageBackend.CDI);
  }

  @Test
  void backingImagePvcIsNamedLikeTheImageAndSizedFromItsStatus() {
    GenericKubernetesResource image =
        ImageRenderer.image(
            vm,
            boot,
            1,
            "http://x/t/f",
            Optional.of(new ImageStorage("fast", ImageBackend.BACKING_IMAGE)),
            Optional.empty());
    Map<String, Object> props = new HashMap<>(image.getAdditionalProperties());
    props.put(
        "status",
        Map.of(
            "storageClassName",
            "longhorn-" + image.getMetadata().getName(),
            "virtualSize",
            10737418240L));
    image.setAdditionalProperties(props);

    PersistentVolumeClaim pvc = ImageRenderer.backingImagePvc(image);

    assertThat(pvc.getMetadata().getName()).isEqualTo(image.getMetadata().getName());
    assertThat(pvc.getMetadata().getAnnotations())
        .containsEntry("harvesterhci.io/imageId", "vms/" + image.getMetadata().getName());
    assertThat(pvc.getSpec().getAccessModes()).containsExactly("ReadWriteMany");
    assertThat(pvc.getSpec().getVolumeMode()).isEqualTo("Block");
    assertThat(pvc.getSpec().getStorageClassName())
        .isEqualTo("longhorn-" + image.getMetadata().getName());
    assertThat(pvc.getSpec().getResources().getRequests().get("storage").getNumericalAmount())
        .isEqualByComparingTo("10737418240");
  }

  private static StorageClass sc(String provisioner, Map<String, String> parameters) {
    return new StorageClassBuilder()
        .withNewMetadata()
        .withName("sc")
        .endMetadata()
        .withProvisioner(provisioner)
        .withParameters(parameters)
        .build();
  }
}
