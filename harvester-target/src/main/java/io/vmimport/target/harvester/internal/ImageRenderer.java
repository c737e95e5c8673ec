package io.vmimport.target.harvester.internal;

import static io.vmimport.target.harvester.internal.HarvesterKeys.*;
import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.vmimport.api.DnsNames;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetVm;
import io.vmimport.target.harvester.ImageBackend;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Renders the VirtualMachineImage of one disk and, for backing images, the disk's PVC. */
public final class ImageRenderer {
  /**
   * Where an image is stored: the storage class the import asked for (none: Harvester's default)
   * and the backend that class implies.
   */
  public record ImageStorage(Optional<String> storageClass, ImageBackend backend) {
    public ImageStorage {
      requireNonNull(storageClass, "storageClass is null");
      requireNonNull(backend, "backend is null");
    }

    public ImageStorage(String storageClass, ImageBackend backend) {
      this(Optional.of(storageClass), backend);
    }
  }

  private ImageRenderer() {}

  /** {@code <vm>-<disk>-<attempt>}: one name per resubmission, stable across retries of a call. */
  public static String imageName(TargetVm vm, TargetDisk disk, int attempt) {
    return DnsNames.toLabel(vm.name() + "-" + disk.name() + "-" + attempt);
  }

  /** What the Harvester UI shows: the source VM and the source disk. */
  public static String displayName(TargetVm vm, TargetDisk disk) {
    return vm.sourceName() + "-" + disk.source().name();
  }

  public static GenericKubernetesResource image(
      TargetVm vm,
      TargetDisk disk,
      int attempt,
      String url,
      Optional<ImageStorage> storage,
      Optional<String> importUid) {
    String displayName = displayName(vm, disk);
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(IMPORTED_LABEL, "true");
    labels.put(IMAGE_DISPLAY_NAME_LABEL, KubeNames.labelValue(displayName));
    labels.putAll(ImportOwnership.labels(vm.importRef()));
    labels.put(DISK_LABEL, disk.name());
    labels.put(ATTEMPT_LABEL, Integer.toString(attempt));
    Map<String, String> annotations = new LinkedHashMap<>();
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("sourceType", "download");
    spec.put("url", url);
    spec.put("displayName", displayName);
    storage.ifPresent(
        s -> {
          s.storageClass()
              .ifPresent(
                  name -> {
                    annotations.put(STORAGE_CLASS_ANNOTATION, name);
                    spec.put("targetStorageClassName", name);
                  });
          spec.put("backend", s.backend().wireValue());
        });
    GenericKubernetesResourceBuilder builder =
        new GenericKubernetesResourceBuilder()
            .withApiVersion(IMAGE_API_VERSION)
            .withKind(IMAGE_KIND)
            .withNewMetadata()
            .withName(imageName(vm, disk, attempt))
            .withNamespace(vm.importRef().namespace())
            .withLabels(labels)
            .withAnnotations(annotations)
            .withOwnerReferences(
                importUid
                    .map(uid -> List.of(ownerReference(vm.importRef(), uid)))
                    .orElse(List.of()))
            .endMetadata()
            .withAdditionalProperties(Map.of("spec", spec));
    return builder.build();
  }

  public static OwnerReference ownerReference(ImportRef ref, String uid) {
    return new OwnerReferenceBuilder()
        .withApiVersion(IMPORT_API_VERSION)
        .withKind(IMPORT_KIND)
        .withName(ref.name())
        .withUid(uid)
        .build();
  }

  /**
   * The VM disk's PVC for the backing-image backend, named like the image, sized and classed from
   * the image's status (Harvester creates a storage class per backing image).
   */
  public static PersistentVolumeClaim backingImagePvc(GenericKubernetesResource image) {
    String name = image.getMetadata().getName();
    String namespace = image.getMetadata().getNamespace();
    Map<String, Object> status = mapOrEmpty(image.getAdditionalProperties().get("status"));
    Object storageClass = status.get("storageClassName");
    Object virtualSize = status.get("virtualSize");
    if (!(storageClass instanceof String) || !(virtualSize instanceof Number size)) {
      throw new VmImportException(
          ErrorCode.TARGET_FAILED,
          "image "
              + namespace
              + "/"
              + name
              + " is ready but its status lacks storageClassName or virtualSize");
    }
    Map<String, String> labels = new LinkedHashMap<>(image.getMetadata().getLabels());
    labels.remove(IMAGE_DISPLAY_NAME_LABEL);
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .withLabels(labels)
        .withAnnotations(Map.of(IMAGE_ID_ANNOTATION, namespace + "/" + name))
        .endMetadata()
        .withNewSpec()
        .withAccessModes("ReadWriteMany")
        .withVolumeMode("Block")
        .withStorageClassName((String) storageClass)
        .withNewResources()
        .withRequests(Map.of("storage", new Quantity(Long.toString(size.longValue()))))
        .endResources()
        .endSpec()
        .build();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> mapOrEmpty(Object value) {
    return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
  }
}
