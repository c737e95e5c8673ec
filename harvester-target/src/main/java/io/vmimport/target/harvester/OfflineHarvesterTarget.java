package io.vmimport.target.harvester;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.target.ImportTarget;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetStatus;
import io.vmimport.api.target.TargetVm;
import io.vmimport.core.DirectoryTarget;
import io.vmimport.target.harvester.internal.ImageRenderer;
import io.vmimport.target.harvester.internal.ImageRenderer.ImageStorage;
import io.vmimport.target.harvester.internal.VirtualMachineRenderer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The offline sink of {@code vmimport import --output-dir}: the disks and {@code vm.json} of {@link
 * DirectoryTarget}, plus {@code manifests.yaml} (the VirtualMachineImages, PVCs where the backend
 * needs them, and the VirtualMachine this import would create in Harvester) and a {@code README.md}
 * saying how to upload and apply them. Image URLs are placeholders the user replaces.
 */
public final class OfflineHarvesterTarget implements ImportTarget {
  public static final String MANIFESTS_FILE = "manifests.yaml";
  public static final String README_FILE = "README.md";

  /** Stands where the URL the user hosts the disk at goes; the README says so. */
  public static final String URL_PLACEHOLDER = "https://REPLACE-WITH-WHERE-YOU-HOST-THE-DISK/";

  private final DirectoryTarget files;
  private final ImageBackend backend;
  private final KubernetesSerialization kubernetes = new KubernetesSerialization();
  // plain YAML as people write manifests: no quotes where none are needed
  private final YAMLMapper yaml =
      YAMLMapper.builder()
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          // label values such as "1" and "true" must stay strings
          .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .build();

  /** Images for the CDI backend (no PVCs to create by hand). */
  public OfflineHarvesterTarget(Path outputDir, DiskFormat format) {
    this(outputDir, format, ImageBackend.CDI);
  }

  /**
   * @param backend the backend of the import's storage class (unknown without a cluster): with
   *     {@link ImageBackend#BACKING_IMAGE} the manifests also hold one PVC per disk
   */
  public OfflineHarvesterTarget(Path outputDir, DiskFormat format, ImageBackend backend) {
    this.files = new DirectoryTarget(outputDir, format);
    this.backend = requireNonNull(backend, "backend is null");
  }

  @Override
  public DiskFormat diskFormat() {
    return files.diskFormat();
  }

  @Override
  public List<ValidationIssue> preflight(TargetVm vm) {
    return files.preflight(vm);
  }

  @Override
  public Path diskPath(ImportRef ref, TargetDisk disk) {
    return files.diskPath(ref, disk);
  }

  @Override
  public PublishedImage publish(TargetVm vm, TargetDisk disk, Path file) {
    return files.publish(vm, disk, file);
  }

  @Override
  public TargetStatus imageStatus(TargetVm vm, PublishedImage image) {
    return files.imageStatus(vm, image);
  }

  @Override
  public String createVm(TargetVm vm, List<PublishedImage> images) {
    String description = files.createVm(vm, images);
    Path dir = files.importDir(vm.importRef());
    try {
      Files.writeString(dir.resolve(MANIFESTS_FILE), manifests(vm, images), StandardCharsets.UTF_8);
      Files.writeString(dir.resolve(README_FILE), readme(vm, images), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.TARGET_FAILED, "cannot write manifests in " + dir + ": " + e.getMessage(), e);
    }
    return description;
  }

  /** The YAML documents, in the order they must be applied. */
  String manifests(TargetVm vm, List<PublishedImage> images) {
    List<HasMetadata> objects = new ArrayList<>();
    List<String> claims = new ArrayList<>();
    Optional<ImageStorage> storage = vm.storageClass().map(s -> new ImageStorage(s, backend));
    for (int i = 0; i < vm.disks().size(); i++) {
      TargetDisk disk = vm.disks().get(i);
      GenericKubernetesResource image =
          ImageRenderer.image(
              vm, disk, 1, URL_PLACEHOLDER + images.get(i).imageName(), storage, Optional.empty());
      objects.add(image);
      claims.add(image.getMetadata().getName());
      if (storage.isPresent() && backend == ImageBackend.BACKING_IMAGE) {
        objects.add(offlinePvc(image, disk));
      }
    }
    objects.add(VirtualMachineRenderer.render(vm, claims));
    StringBuilder out = new StringBuilder();
    for (HasMetadata object : objects) {
      out.append("---\n").append(toYaml(object));
    }
    return out.toString();
  }

  private String toYaml(HasMetadata object) {
    try {
      return yaml.writeValueAsString(yaml.readTree(kubernetes.asJson(object)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a rendered object is always serialisable", e);
    }
  }

  /**
   * Without a cluster the image's status is unknown: size the PVC from the disk's capacity and use
   * the storage class Harvester creates for each backing image ({@code longhorn-<image>}).
   */
  private static PersistentVolumeClaim offlinePvc(
      GenericKubernetesResource image, TargetDisk disk) {
    GenericKubernetesResource withStatus = new GenericKubernetesResource();
    withStatus.setApiVersion(image.getApiVersion());
    withStatus.setKind(image.getKind());
    withStatus.setMetadata(new ObjectMetaBuilder(image.getMetadata()).build());
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("storageClassName", "longhorn-" + image.getMetadata().getName());
    status.put("virtualSize", disk.source().capacityBytes());
    withStatus.setAdditionalProperties(Map.of("status", status));
    return ImageRenderer.backingImagePvc(withStatus);
  }

  private String readme(TargetVm vm, List<PublishedImage> images) {
    StringBuilder disks = new StringBuilder();
    for (PublishedImage image : images) {
      disks
          .append("- `")
          .append(image.imageName())
          .append("` (")
          .append(image.diskName())
          .append(")\n");
    }
    return "# "
        + vm.name()
        + ": disks and manifests for Harvester\n\n"
        + "Imported from `"
        + vm.sourceName()
        + "` by vmimport. Disk files in this folder:\n\n"
        + disks
        + "\n## Upload\n\n"
        + "Either:\n\n"
        + "1. Host the disk files on a web server Harvester can reach (it must answer HEAD with"
        + " Content-Length and honour Range requests), replace each `"
        + URL_PLACEHOLDER
        + "...` in `manifests.yaml` with the file's URL, then run\n"
        + "   `kubectl apply -n "
        + vm.importRef().namespace()
        + " -f manifests.yaml`.\n"
        + "2. Or upload each disk in the Harvester UI (Images > Create > Upload File), naming the"
        + " image as `metadata.name` of the matching VirtualMachineImage in `manifests.yaml`; wait"
        + " until it is Active, delete the VirtualMachineImage documents from `manifests.yaml`, and"
        + " apply the rest with kubectl.\n\n"
        + "Apply the VirtualMachine last: its volumes refer to the images' volumes by name.\n"
        + (backend == ImageBackend.BACKING_IMAGE && vm.storageClass().isPresent()
            ? "\nThe PersistentVolumeClaims use the storage class Harvester creates for each"
                + " image (`longhorn-<image>`): apply them once the images are Active.\n"
            : "");
  }

  @Override
  public boolean startsVms() {
    return false;
  }

  @Override
  public TargetStatus vmStatus(TargetVm vm) {
    return files.vmStatus(vm);
  }

  /** Removes the disks, manifests and description of the import. */
  @Override
  public void discard(ImportRef ref) {
    Path dir = files.importDir(ref);
    try {
      Files.deleteIfExists(dir.resolve(MANIFESTS_FILE));
      Files.deleteIfExists(dir.resolve(README_FILE));
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.CLEANUP_FAILED, "could not remove manifests in " + dir + ": " + e, e);
    }
    files.discard(ref);
  }
}
