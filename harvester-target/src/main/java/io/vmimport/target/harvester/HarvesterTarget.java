package io.vmimport.target.harvester;

import static io.vmimport.target.harvester.internal.HarvesterKeys.ATTEMPT_LABEL;
import static io.vmimport.target.harvester.internal.HarvesterKeys.COMPLETED_ANNOTATION;
import static io.vmimport.target.harvester.internal.HarvesterKeys.DISK_LABEL;
import static io.vmimport.target.harvester.internal.ImportOwnership.madeBy;
import static io.vmimport.target.harvester.internal.KubeCalls.IMAGES;
import static io.vmimport.target.harvester.internal.KubeCalls.IMPORTS;
import static io.vmimport.target.harvester.internal.KubeCalls.NADS;
import static io.vmimport.target.harvester.internal.KubeCalls.VMS;
import static io.vmimport.target.harvester.internal.KubeCalls.call;
import static io.vmimport.target.harvester.internal.KubeCalls.run;
import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.ScratchFiles;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.target.NetworkAttachment;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.RemoteImageTarget;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetNic;
import io.vmimport.api.target.TargetStatus;
import io.vmimport.api.target.TargetVm;
import io.vmimport.target.harvester.internal.ImageRenderer;
import io.vmimport.target.harvester.internal.ImageRenderer.ImageStorage;
import io.vmimport.target.harvester.internal.ImportOwnership;
import io.vmimport.target.harvester.internal.KubeCalls;
import io.vmimport.target.harvester.internal.VirtualMachineRenderer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports into Harvester: each disk becomes a VirtualMachineImage that Harvester downloads from the
 * embedded {@link ImageServer}, then (backing-image backend) a PVC per disk, then the KubeVirt
 * VirtualMachine. Every call does one step; core polls and resubmits.
 *
 * <p>Ownership: every object is labelled with the import's uid ({@code vmimport.io/import-uid},
 * beside {@code vmimport.io/import} with its name) and is found, adopted, patched and deleted only
 * by that uid. A new import that reuses the name of a deleted one therefore starts from nothing. An
 * object the import did not make is never touched: an image or volume name it holds is passed over
 * (the importer picks those names), and a VM of the import's VM name is a {@link
 * ErrorCode#CONFLICT} naming it, found already by {@link #preflight}.
 *
 * <p>Idempotence: images are named {@code <vm>-<disk>-<attempt>} and found again by the labels
 * {@code vmimport.io/import-uid} and {@code vmimport.io/disk}; a new attempt is created only when
 * every earlier one failed. PVCs are named like their image and the VM like the source VM; creating
 * one that exists returns the existing object when this import made it. Updates are JSON merge
 * patches.
 *
 * <p>Scratch: the converted disks are deleted once Harvester has imported every image and the VM
 * exists ({@link #createVm}), and by {@link #discard} in any phase. A process restarted before the
 * VM runs therefore exports the disks again; that costs time, but scratch is never held by an
 * import that no longer needs its files.
 */
public final class HarvesterTarget implements RemoteImageTarget {
  private static final Logger log = LoggerFactory.getLogger(HarvesterTarget.class);

  /** How many names held by foreign objects an image passes over before giving up. */
  private static final int MAX_NAMES_PASSED_OVER = 20;

  private static final String VM_REMEDY =
      "the imported VM takes the source VM's name; delete that VirtualMachine or import into"
          + " another namespace, then create the import again";

  private final KubernetesClient client;
  private final ImageServer imageServer;
  private final ScratchFiles scratch;
  private final DiskFormat format;

  /** Disks converted to qcow2: compact on the wire, and both backends read it. */
  public HarvesterTarget(KubernetesClient client, ImageServer imageServer, Path scratchDir) {
    this(client, imageServer, scratchDir, DiskFormat.QCOW2);
  }

  public HarvesterTarget(
      KubernetesClient client, ImageServer imageServer, Path scratchDir, DiskFormat format) {
    this.client = requireNonNull(client, "client is null");
    this.imageServer = requireNonNull(imageServer, "imageServer is null");
    this.scratch = new ScratchFiles(requireNonNull(scratchDir, "scratchDir is null"));
    this.format = requireNonNull(format, "format is null");
    if (format != DiskFormat.QCOW2 && format != DiskFormat.RAW) {
      throw new IllegalArgumentException("Harvester images are qcow2 or raw, not " + format.id());
    }
  }

  @Override
  public DiskFormat diskFormat() {
    return format;
  }

  @Override
  public List<ValidationIssue> preflight(TargetVm vm) {
    List<ValidationIssue> issues = new ArrayList<>();
    if (vm.nics().stream().filter(n -> n.network().podNetwork()).count() > 1) {
      issues.add(
          ValidationIssue.error(
              ErrorCode.INVALID_SPEC,
              "spec.networkMapping",
              VirtualMachineRenderer.podNetworkMessage(vm)));
    }
    Map<NetworkAttachment, List<String>> networks = new LinkedHashMap<>();
    for (TargetNic nic : vm.nics()) {
      if (!nic.network().podNetwork()) {
        networks
            .computeIfAbsent(nic.network(), n -> new ArrayList<>())
            .add(nic.source().network().orElse(nic.name()));
      }
    }
    networks.forEach(
        (network, sources) -> {
          GenericKubernetesResource nad =
              call(
                  "read NetworkAttachmentDefinition " + network,
                  () ->
                      client
                          .genericKubernetesResources(NADS)
                          .inNamespace(network.namespace())
                          .withName(network.name())
                          .get());
          if (nad == null) {
            issues.add(
                ValidationIssue.error(
                    ErrorCode.NOT_FOUND,
                    "spec.networkMapping",
                    "network attachment definition "
                        + network
                        + " (destinationNetwork of source network "
                        + String.join(", ", sources.stream().distinct().toList())
                        + ") not found"));
          }
        });
    GenericKubernetesResource existing = readVm(vm);
    if (existing != null && !madeBy(existing, vm.importRef())) {
      issues.add(
          ValidationIssue.error(
              ErrorCode.CONFLICT,
              "spec.virtualMachineName",
              ImportOwnership.conflictMessage(
                  "VirtualMachine", existing, vm.importRef(), VM_REMEDY)));
    }
    vm.storageClass()
        .ifPresent(
            name -> {
              if (storageClass(name).isEmpty()) {
                issues.add(
                    ValidationIssue.error(
                        ErrorCode.NOT_FOUND,
                        "spec.storageClass",
                        "storage class '" + name + "' not found"));
              }
            });
    return issues;
  }

  @Override
  public Path diskPath(ImportRef ref, TargetDisk disk) {
    return importDir(ref).resolve(disk.name() + "." + format.id());
  }

  /** The import's target folder in scratch, beside what the engine stages for it. */
  private Path importDir(ImportRef ref) {
    return scratch.targetDir(ref);
  }

  @Override
  public PublishedImage publish(TargetVm vm, TargetDisk disk, Path file) {
    return publish(
        vm,
        disk,
        image -> usable(image, file),
        () -> {
          if (!Files.isRegularFile(file)) {
            throw new VmImportException(
                ErrorCode.INTERNAL, "the converted disk " + file + " to publish is missing");
          }
          return imageServer.register(file).toString();
        });
  }

  /**
   * A disk a worker serves: an existing image of it is kept while it is ready, or imports from the
   * same URL (the worker serves a disk under the same URL after a restart of its process; a worker
   * on another pod has another URL, and an image downloading from the old one is replaced).
   */
  @Override
  public PublishedImage publish(TargetVm vm, TargetDisk disk, URI url) {
    requireNonNull(url, "url is null");
    return publish(
        vm,
        disk,
        image -> {
          TargetStatus.State state = imageState(image).state();
          return state == TargetStatus.State.READY
              || (state == TargetStatus.State.PENDING
                  && urlOf(image).equals(Optional.of(url.toString())));
        },
        url::toString);
  }

  private PublishedImage publish(
      TargetVm vm,
      TargetDisk disk,
      Predicate<GenericKubernetesResource> usable,
      Supplier<String> servedAt) {
    ImportRef ref = vm.importRef();
    String namespace = ref.namespace();
    Map<String, String> selector = new LinkedHashMap<>(ImportOwnership.selector(ref));
    selector.put(DISK_LABEL, disk.name());
    List<GenericKubernetesResource> existing =
        call(
                "list VirtualMachineImages of " + ref,
                () ->
                    client
                        .genericKubernetesResources(IMAGES)
                        .inNamespace(namespace)
                        .withLabels(selector)
                        .list()
                        .getItems())
            .stream()
            .filter(image -> madeBy(image, ref))
            .toList();
    int lastAttempt = 0;
    Optional<GenericKubernetesResource> current = Optional.empty();
    for (GenericKubernetesResource image : existing) {
      int attempt = attemptOf(image);
      lastAttempt = Math.max(lastAttempt, attempt);
      boolean deleting = image.getMetadata().getDeletionTimestamp() != null;
      if (!deleting && usable.test(image)) {
        if (current.isEmpty() || attempt > attemptOf(current.get())) {
          current = Optional.of(image);
        }
      }
    }
    if (current.isPresent()) {
      return published(disk, current.get());
    }
    // every earlier attempt failed (Harvester does not recover a failed image) or lost its
    // download: replace it
    for (GenericKubernetesResource failed : existing) {
      urlOf(failed).flatMap(ImageServer::tokenOf).ifPresent(imageServer::withdraw);
      delete(IMAGES, failed);
    }
    Optional<ImageStorage> storage =
        vm.storageClass()
            .map(
                name ->
                    new ImageStorage(
                        name,
                        ImageBackend.forStorageClass(
                            storageClass(name)
                                .orElseThrow(
                                    () ->
                                        new VmImportException(
                                            ErrorCode.NOT_FOUND,
                                            "storage class '" + name + "' not found")))));
    String url = servedAt.get();
    try {
      return createImage(vm, disk, lastAttempt + 1, url, storage);
    } catch (RuntimeException e) {
      ImageServer.tokenOf(url).ifPresent(imageServer::withdraw);
      throw e;
    }
  }

  /**
   * Creates the image of {@code attempt}, or of the next attempt whose name no foreign object
   * holds. The volume of an image is named like it (our PVC for backing images, Harvester's
   * DataVolume for CDI), so a name held by a foreign PVC is passed over too: the earlier import of
   * the same VM may still have its images and volumes, and they are not ours to take or to remove.
   */
  private PublishedImage createImage(
      TargetVm vm, TargetDisk disk, int attempt, String url, Optional<ImageStorage> storage) {
    ImportRef ref = vm.importRef();
    String namespace = ref.namespace();
    Optional<String> owner = ownerUid(ref);
    List<String> passedOver = new ArrayList<>();
    for (int next = attempt; passedOver.size() < MAX_NAMES_PASSED_OVER; next++) {
      GenericKubernetesResource image = ImageRenderer.image(vm, disk, next, url, storage, owner);
      String name = image.getMetadata().getName();
      PersistentVolumeClaim claim =
          call(
              "read PersistentVolumeClaim " + namespace + "/" + name,
              () -> client.persistentVolumeClaims().inNamespace(namespace).withName(name).get());
      if (claim != null && !madeBy(claim, ref)) {
        passedOver.add("PersistentVolumeClaim " + namespace + "/" + name);
        continue;
      }
      try {
        GenericKubernetesResource created =
            client
                .genericKubernetesResources(IMAGES)
                .inNamespace(namespace)
                .resource(image)
                .create();
        log.info("submitted VirtualMachineImage {}/{} for {}", namespace, name, disk.name());
        return published(disk, created);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw KubeCalls.translate("create VirtualMachineImage " + namespace + "/" + name, e);
        }
        GenericKubernetesResource holder =
            call(
                "read VirtualMachineImage " + namespace + "/" + name,
                () ->
                    client
                        .genericKubernetesResources(IMAGES)
                        .inNamespace(namespace)
                        .withName(name)
                        .get());
        if (holder == null || madeBy(holder, ref)) {
          // deleted meanwhile, or made by a concurrent call for this import: the next call
          // lists it again and decides
          throw KubeCalls.translate("create VirtualMachineImage " + namespace + "/" + name, e);
        }
        passedOver.add("VirtualMachineImage " + namespace + "/" + name);
      }
    }
    throw new VmImportException(
        ErrorCode.CONFLICT,
        "no free name for the image of "
            + disk.name()
            + " of import "
            + ref
            + ": "
            + String.join(", ", passedOver)
            + " exist and were not made by it; delete those that are no longer needed",
        null,
        false);
  }

  /**
   * Whether an existing image can still become (or is) ready: not failed, and while importing,
   * downloading from a token this server serves. After a restart of the process the tokens are
   * gone; the image's own URL is served again when it names {@code file} under this server's base
   * (a stable Service address), else the image would only fail later: it is replaced.
   */
  private boolean usable(GenericKubernetesResource image, Path file) {
    TargetStatus.State state = imageState(image).state();
    if (state == TargetStatus.State.READY) {
      return true;
    }
    if (state != TargetStatus.State.PENDING) {
      return false;
    }
    Optional<String> url = urlOf(image);
    if (url.flatMap(ImageServer::tokenOf).map(imageServer::serves).orElse(false)) {
      return true;
    }
    boolean adopted = url.map(u -> imageServer.adopt(u, file)).orElse(false);
    if (adopted) {
      log.info(
          "serving {} again for VirtualMachineImage {} after a restart",
          file.getFileName(),
          image.getMetadata().getName());
    }
    return adopted;
  }

  private static PublishedImage published(TargetDisk disk, GenericKubernetesResource image) {
    return new PublishedImage(disk.name(), image.getMetadata().getName(), urlOf(image).orElse(""));
  }

  @Override
  public TargetStatus imageStatus(TargetVm vm, PublishedImage published) {
    GenericKubernetesResource image =
        call(
            "read VirtualMachineImage " + published.imageName(),
            () ->
                client
                    .genericKubernetesResources(IMAGES)
                    .inNamespace(vm.importRef().namespace())
                    .withName(published.imageName())
                    .get());
    if (image == null || !madeBy(image, vm.importRef())) {
      ImageServer.tokenOf(published.location()).ifPresent(imageServer::withdraw);
      return TargetStatus.failed(
          "VirtualMachineImage "
              + vm.importRef().namespace()
              + "/"
              + published.imageName()
              + (image == null
                  ? " no longer exists"
                  : " was replaced by one this import did not make"));
    }
    TargetStatus status = imageState(image);
    if (status.state() != TargetStatus.State.PENDING) {
      // Harvester has the bytes (or gave up): stop serving them
      urlOf(image).flatMap(ImageServer::tokenOf).ifPresent(imageServer::withdraw);
    }
    return status;
  }

  /** Ready on {@code Imported=True}; failed on {@code Imported=False, reason ImportFailed}. */
  static TargetStatus imageState(GenericKubernetesResource image) {
    Map<String, Object> status = map(image.getAdditionalProperties().get("status"));
    Object conditions = status.get("conditions");
    if (conditions instanceof List<?> list) {
      for (Object item : list) {
        Map<String, Object> condition = map(item);
        if (!"Imported".equals(condition.get("type"))) {
          continue;
        }
        if ("True".equals(condition.get("status"))) {
          return TargetStatus.ready();
        }
        if ("False".equals(condition.get("status"))
            && "ImportFailed".equals(condition.get("reason"))) {
          Object message = condition.get("message");
          return TargetStatus.failed(
              "image "
                  + name(image)
                  + " failed: "
                  + (message == null ? "no message from Harvester" : message));
        }
      }
    }
    Object progress = status.get("progress");
    return TargetStatus.pending(
        "image " + name(image) + " importing" + (progress == null ? "" : ", " + progress + "%"));
  }

  @Override
  public String createVm(TargetVm vm, List<PublishedImage> images) {
    String namespace = vm.importRef().namespace();
    List<String> claims = new ArrayList<>();
    boolean allImported = true;
    for (PublishedImage published : images) {
      GenericKubernetesResource image =
          call(
              "read VirtualMachineImage " + published.imageName(),
              () ->
                  client
                      .genericKubernetesResources(IMAGES)
                      .inNamespace(namespace)
                      .withName(published.imageName())
                      .get());
      if (image == null) {
        throw new VmImportException(
            ErrorCode.TARGET_FAILED,
            "VirtualMachineImage " + namespace + "/" + published.imageName() + " no longer exists");
      }
      if (!madeBy(image, vm.importRef())) {
        throw ImportOwnership.conflict(
            "VirtualMachineImage",
            image,
            vm.importRef(),
            "delete it if it is not in use, then create the import again");
      }
      allImported &= imageState(image).state() == TargetStatus.State.READY;
      String backend = (String) map(image.getAdditionalProperties().get("spec")).get("backend");
      // no backend in the spec means Harvester's default, which is the backing image
      if (backend == null || backend.equals(ImageBackend.BACKING_IMAGE.wireValue())) {
        PersistentVolumeClaim pvc = ImageRenderer.backingImagePvc(image);
        createOrAdopt(
            "PersistentVolumeClaim",
            vm.importRef(),
            "delete it if no VM uses it, then create the import again",
            () -> client.persistentVolumeClaims().inNamespace(namespace).resource(pvc).create(),
            () ->
                client
                    .persistentVolumeClaims()
                    .inNamespace(namespace)
                    .withName(pvc.getMetadata().getName())
                    .get());
      }
      // CDI backend: Harvester names the image's DataVolume (and so its PVC) like the image
      claims.add(published.imageName());
    }
    GenericKubernetesResource machine = VirtualMachineRenderer.render(vm, claims);
    createOrAdopt(
        "VirtualMachine",
        vm.importRef(),
        VM_REMEDY,
        () ->
            client
                .genericKubernetesResources(VMS)
                .inNamespace(namespace)
                .resource(machine)
                .create(),
        () ->
            client
                .genericKubernetesResources(VMS)
                .inNamespace(namespace)
                .withName(vm.name())
                .get());
    if (allImported) {
      freeScratch(vm, images);
    }
    return namespace + "/" + vm.name();
  }

  /**
   * Deletes the import's converted disks once Harvester holds every image: nothing reads them any
   * more, and on the operator's default emptyDir they would fill the node.
   */
  private void freeScratch(TargetVm vm, List<PublishedImage> images) {
    for (PublishedImage published : images) {
      ImageServer.tokenOf(published.location()).ifPresent(imageServer::withdraw);
    }
    deleteScratch(vm.importRef());
    log.info("{}: Harvester has every image; removed the converted disks", vm.importRef());
  }

  /**
   * Creates, or when the object exists and this import made it, accepts the existing one. An object
   * of that name that the import did not make is a conflict: neither used nor changed.
   */
  private <T extends HasMetadata> void createOrAdopt(
      String kind,
      ImportRef ref,
      String remedy,
      java.util.function.Supplier<T> create,
      java.util.function.Supplier<T> get) {
    try {
      T created = create.get();
      log.info("created {} {}", kind, name(created));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw KubeCalls.translate("create " + kind, e);
      }
      T existing = call("read " + kind, get);
      if (existing == null) {
        // deleted since: the retried call creates it
        throw KubeCalls.translate("create " + kind, e);
      }
      if (!madeBy(existing, ref)) {
        throw ImportOwnership.conflict(kind, existing, ref, remedy, e);
      }
    }
  }

  @Override
  public boolean startsVms() {
    return true;
  }

  @Override
  public TargetStatus vmStatus(TargetVm vm) {
    String namespace = vm.importRef().namespace();
    GenericKubernetesResource machine =
        call(
            "read VirtualMachine " + namespace + "/" + vm.name(),
            () ->
                client
                    .genericKubernetesResources(VMS)
                    .inNamespace(namespace)
                    .withName(vm.name())
                    .get());
    if (machine == null) {
      return TargetStatus.failed("VirtualMachine " + namespace + "/" + vm.name() + " was deleted");
    }
    if (!madeBy(machine, vm.importRef())) {
      return TargetStatus.failed(
          ImportOwnership.conflictMessage(
              "VirtualMachine", machine, vm.importRef(), "it replaced the VM this import made"));
    }
    Map<String, Object> status = map(machine.getAdditionalProperties().get("status"));
    Object printable = status.get("printableStatus");
    if (Boolean.TRUE.equals(status.get("ready")) || "Running".equals(printable)) {
      markCompleted(vm, machine);
      return TargetStatus.ready();
    }
    return TargetStatus.pending(
        "VirtualMachine " + vm.name() + " is " + (printable == null ? "starting" : printable));
  }

  /**
   * Once the VM runs, its disks must outlive the import: drop the images' owner references (so
   * deleting the import keeps them) and mark the images, PVCs and VM so that {@link #discard}
   * leaves them alone, also when the VM is deleted before the import.
   */
  private void markCompleted(TargetVm vm, GenericKubernetesResource machine) {
    String namespace = vm.importRef().namespace();
    String annotation = "{\"" + COMPLETED_ANNOTATION + "\":\"true\"}";
    for (GenericKubernetesResource image : importObjects(IMAGES, vm.importRef())) {
      boolean owned =
          image.getMetadata().getOwnerReferences() != null
              && !image.getMetadata().getOwnerReferences().isEmpty();
      if (owned || !ImportOwnership.completed(image)) {
        run(
            "release VirtualMachineImage " + name(image) + " from its import",
            () ->
                client
                    .genericKubernetesResources(IMAGES)
                    .inNamespace(namespace)
                    .withName(image.getMetadata().getName())
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"ownerReferences\":null,\"annotations\":"
                            + annotation
                            + "}}"));
      }
    }
    for (PersistentVolumeClaim claim : importClaims(vm.importRef())) {
      if (!ImportOwnership.completed(claim)) {
        run(
            "mark PersistentVolumeClaim " + name(claim) + " as imported",
            () ->
                client
                    .persistentVolumeClaims()
                    .inNamespace(namespace)
                    .withName(claim.getMetadata().getName())
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":" + annotation + "}}"));
      }
    }
    if (!ImportOwnership.completed(machine)) {
      run(
          "mark VirtualMachine " + name(machine) + " as imported",
          () ->
              client
                  .genericKubernetesResources(VMS)
                  .inNamespace(namespace)
                  .withName(vm.name())
                  .patch(
                      PatchContext.of(PatchType.JSON_MERGE),
                      "{\"metadata\":{\"annotations\":" + annotation + "}}"));
    }
  }

  /**
   * Stops serving the import's disks, deletes its scratch files, and unless the import completed
   * (its VM ran) deletes the VM, the PVCs and the images it made. Only objects carrying the
   * import's uid are looked at: an earlier import of the same name keeps everything.
   */
  @Override
  public void discard(ImportRef ref) {
    List<GenericKubernetesResource> images = importObjects(IMAGES, ref);
    images.forEach(i -> urlOf(i).flatMap(ImageServer::tokenOf).ifPresent(imageServer::withdraw));
    List<GenericKubernetesResource> machines = importObjects(VMS, ref);
    boolean completed = machines.stream().anyMatch(ImportOwnership::completed);
    if (!completed) {
      machines.forEach(m -> delete(VMS, m));
      importClaims(ref).stream()
          .filter(c -> !ImportOwnership.completed(c))
          .forEach(
              c ->
                  run(
                      "delete PersistentVolumeClaim " + name(c),
                      () -> client.persistentVolumeClaims().resource(c).delete()));
      images.stream().filter(i -> !ImportOwnership.completed(i)).forEach(i -> delete(IMAGES, i));
    }
    deleteScratch(ref);
  }

  private void deleteScratch(ImportRef ref) {
    Path dir = importDir(ref);
    try {
      scratch.removeTargetFiles(ref);
    } catch (IOException | UncheckedIOException e) {
      throw new VmImportException(
          ErrorCode.CLEANUP_FAILED, "could not remove scratch files in " + dir + ": " + e, e, true);
    }
  }

  private List<GenericKubernetesResource> importObjects(
      io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext context, ImportRef ref) {
    return call(
        "list " + context.getKind() + "s of " + ref,
        () ->
            client
                .genericKubernetesResources(context)
                .inNamespace(ref.namespace())
                .withLabels(ImportOwnership.selector(ref))
                .list()
                .getItems()
                .stream()
                .filter(o -> madeBy(o, ref))
                .toList());
  }

  private List<PersistentVolumeClaim> importClaims(ImportRef ref) {
    return call(
        "list PersistentVolumeClaims of " + ref,
        () ->
            client
                .persistentVolumeClaims()
                .inNamespace(ref.namespace())
                .withLabels(ImportOwnership.selector(ref))
                .list()
                .getItems()
                .stream()
                .filter(c -> madeBy(c, ref))
                .toList());
  }

  private void delete(
      io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext context,
      GenericKubernetesResource object) {
    run(
        "delete " + context.getKind() + " " + name(object),
        () ->
            client
                .genericKubernetesResources(context)
                .inNamespace(object.getMetadata().getNamespace())
                .withName(object.getMetadata().getName())
                .delete());
  }

  private Optional<StorageClass> storageClass(String name) {
    return Optional.ofNullable(
        call(
            "read StorageClass " + name,
            () -> client.storage().v1().storageClasses().withName(name).get()));
  }

  /**
   * The uid for the images' owner reference: the import's, when its VirtualMachineImport exists
   * with that uid. An owner that does not exist would have Kubernetes' garbage collector delete the
   * image (an embedding program may have no such object), and one with another uid is a later
   * import of the same name.
   */
  private Optional<String> ownerUid(ImportRef ref) {
    GenericKubernetesResource imported =
        call(
            "read VirtualMachineImport " + ref,
            () ->
                client
                    .genericKubernetesResources(IMPORTS)
                    .inNamespace(ref.namespace())
                    .withName(ref.name())
                    .get());
    return Optional.ofNullable(imported)
        .map(i -> i.getMetadata().getUid())
        .filter(ref.uid()::equals);
  }

  private GenericKubernetesResource readVm(TargetVm vm) {
    String namespace = vm.importRef().namespace();
    return call(
        "read VirtualMachine " + namespace + "/" + vm.name(),
        () ->
            client
                .genericKubernetesResources(VMS)
                .inNamespace(namespace)
                .withName(vm.name())
                .get());
  }

  private static int attemptOf(GenericKubernetesResource image) {
    Map<String, String> labels = image.getMetadata().getLabels();
    String value = labels == null ? null : labels.get(ATTEMPT_LABEL);
    try {
      return value == null ? 0 : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static Optional<String> urlOf(GenericKubernetesResource image) {
    Object url = map(image.getAdditionalProperties().get("spec")).get("url");
    return url instanceof String s ? Optional.of(s) : Optional.empty();
  }

  private static String name(HasMetadata object) {
    return object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }
}
