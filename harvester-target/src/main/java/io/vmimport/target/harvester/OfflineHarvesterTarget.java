package io.vmimport.target.harvester;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
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
import io.vmimport.api.target.FolderTarget;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetStatus;
import io.vmimport.api.target.TargetVm;
import io.vmimport.target.harvester.internal.HarvesterKeys;
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
 * The offline sink of {@code vmimport import}: the files of a {@link FolderTarget} (the directory
 * target's disks and {@code vm.json}), plus the manifests that finish the import on a Harvester
 * cluster, written beside them: {@code images.yaml} (the VirtualMachineImages) and {@code
 * manifests.yaml} (the images again, the PVCs the backing-image backend needs, and the
 * VirtualMachine), and a {@code README.md} saying how to apply them. Image URLs are placeholders
 * until {@code vmimport serve} (or the user) fills them in.
 *
 * <p>Why two files: with the backing-image backend each VM disk is a PVC of the storage class
 * Harvester creates for the image once the image exists, so the PVCs and the VM are applied after
 * the images are imported; the README gives the {@code kubectl wait} in between.
 */
public final class OfflineHarvesterTarget implements FolderTarget {
  public static final String IMAGES_FILE = "images.yaml";
  public static final String MANIFESTS_FILE = "manifests.yaml";
  public static final String README_FILE = "README.md";

  /** Stands where the URL the disk is served at goes; the README says so. */
  public static final String URL_PLACEHOLDER = "https://REPLACE-WITH-WHERE-YOU-HOST-THE-DISK/";

  private final FolderTarget files;
  private final OfflineStorage storage;
  private final KubernetesSerialization kubernetes = new KubernetesSerialization();

  /** For a standard Harvester: see {@link OfflineStorage#harvesterDefaults()}. */
  public OfflineHarvesterTarget(FolderTarget files) {
    this(files, OfflineStorage.harvesterDefaults());
  }

  /**
   * @param files writes the disks and the VM's description, one folder per import; the manifests go
   *     into the same folder
   * @param storage how the images' storage class and backend are decided
   */
  public OfflineHarvesterTarget(FolderTarget files, OfflineStorage storage) {
    this.files = requireNonNull(files, "files is null");
    this.storage = requireNonNull(storage, "storage is null");
  }

  @Override
  public DiskFormat diskFormat() {
    return files.diskFormat();
  }

  @Override
  public List<ValidationIssue> preflight(TargetVm vm) {
    List<ValidationIssue> issues = new ArrayList<>(files.preflight(vm));
    issues.addAll(storage.check(vm.storageClass()));
    return issues;
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
    List<HasMetadata> imageObjects = new ArrayList<>();
    List<HasMetadata> all = new ArrayList<>();
    manifests(vm, images, imageObjects, all);
    try {
      Files.writeString(dir.resolve(IMAGES_FILE), yaml(imageObjects), StandardCharsets.UTF_8);
      Files.writeString(dir.resolve(MANIFESTS_FILE), yaml(all), StandardCharsets.UTF_8);
      Files.writeString(dir.resolve(README_FILE), readme(vm, images), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.TARGET_FAILED, "cannot write manifests in " + dir + ": " + e.getMessage(), e);
    }
    return description;
  }

  /** The content of {@code manifests.yaml}: every object, in the order they must be applied. */
  String manifests(TargetVm vm, List<PublishedImage> images) {
    List<HasMetadata> all = new ArrayList<>();
    manifests(vm, images, new ArrayList<>(), all);
    return yaml(all);
  }

  private void manifests(
      TargetVm vm,
      List<PublishedImage> images,
      List<HasMetadata> imageObjects,
      List<HasMetadata> all) {
    List<String> claims = new ArrayList<>();
    ImageStorage imageStorage = storage.storageFor(vm.storageClass());
    for (int i = 0; i < vm.disks().size(); i++) {
      TargetDisk disk = vm.disks().get(i);
      GenericKubernetesResource image =
          ImageRenderer.image(
              vm,
              disk,
              1,
              URL_PLACEHOLDER + images.get(i).imageName(),
              Optional.of(imageStorage),
              Optional.empty());
      imageObjects.add(image);
      all.add(image);
      // backing image: a PVC of the image's class per disk; CDI: the image's own volume
      claims.add(image.getMetadata().getName());
      if (imageStorage.backend() == ImageBackend.BACKING_IMAGE) {
        all.add(offlinePvc(image, disk));
      }
    }
    all.add(VirtualMachineRenderer.render(vm, claims));
  }

  private String yaml(List<HasMetadata> objects) {
    return ManifestYaml.write(
        objects.stream().map(object -> kubernetes.convertValue(object, JsonNode.class)).toList());
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
    String namespace = vm.importRef().namespace();
    return "# "
        + vm.name()
        + ": disks and manifests for Harvester\n\n"
        + "Imported from `"
        + vm.sourceName()
        + "` by vmimport. Nothing has been created in a cluster yet: this folder holds what"
        + " finishes the import there.\n\n"
        + "Disk files:\n\n"
        + disks
        + "\n- `"
        + IMAGES_FILE
        + "`: the VirtualMachineImages, one per disk\n"
        + "- `"
        + MANIFESTS_FILE
        + "`: the images, "
        + (storage.storageFor(vm.storageClass()).backend() == ImageBackend.BACKING_IMAGE
            ? "a PersistentVolumeClaim per disk (of the class Harvester makes for each image), "
            : "")
        + "and the VirtualMachine\n"
        + "- `vm.json`: the VM as vmimport mapped it\n\n"
        + storage.explain(vm.storageClass())
        + "\n\n## Finish the import\n\n"
        + "1. Serve the disks where Harvester can download them. From a host it reaches:\n\n"
        + "   ```sh\n"
        + "   vmimport serve "
        + files.importDir(vm.importRef())
        + "\n"
        + "   ```\n\n"
        + "   It serves the disk files and writes their URLs into `"
        + IMAGES_FILE
        + "` and `"
        + MANIFESTS_FILE
        + "` (`--url` when the address it prints is not the one Harvester reaches). Keep it"
        + " running until step 3. Or host the files on a web server of your own that answers"
        + " HEAD with Content-Length and honours Range requests, and replace each `"
        + URL_PLACEHOLDER
        + "...` in both files with the file's URL.\n"
        + "2. From this folder, create the images and wait until Harvester has imported them:\n\n"
        + "   ```sh\n"
        + "   kubectl apply -f "
        + IMAGES_FILE
        + "\n"
        + "   kubectl -n "
        + namespace
        + " wait virtualmachineimage -l "
        + HarvesterKeys.IMPORT_UID_LABEL
        + "="
        + vm.importRef().uid()
        + " --for=condition=Imported --timeout=24h\n"
        + "   ```\n"
        + "3. Create the rest (the images again, unchanged):\n\n"
        + "   ```sh\n"
        + "   kubectl apply -f "
        + MANIFESTS_FILE
        + "\n"
        + "   ```\n";
  }

  /** The folder of an import's disks, manifests and README. */
  @Override
  public Path importDir(ImportRef ref) {
    return files.importDir(ref);
  }

  /** Files only: nothing is submitted or created anywhere. */
  @Override
  public boolean createsObjects() {
    return false;
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
      for (String name : List.of(IMAGES_FILE, MANIFESTS_FILE, README_FILE)) {
        Files.deleteIfExists(dir.resolve(name));
      }
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.CLEANUP_FAILED, "could not remove manifests in " + dir + ": " + e, e);
    }
    files.discard(ref);
  }
}
