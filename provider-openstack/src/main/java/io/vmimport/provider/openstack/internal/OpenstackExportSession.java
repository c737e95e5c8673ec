package io.vmimport.provider.openstack.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.CleanupStep;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.Preparation;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.provider.openstack.internal.CloudArtifacts.Artifact;
import io.vmimport.provider.openstack.internal.CloudArtifacts.Type;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.openstack4j.api.Builders;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.model.image.ContainerFormat;
import org.openstack4j.model.image.v2.Image;
import org.openstack4j.model.storage.block.Volume;
import org.openstack4j.model.storage.block.VolumeSnapshot;
import org.openstack4j.model.storage.block.VolumeUploadImage;
import org.openstack4j.model.storage.block.options.UploadImageData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports the disks of one stopped server. A volume goes snapshot (forced: it is in use) → volume
 * from the snapshot → raw Glance image; the root disk of an image-backed server goes through {@code
 * createImage}. Each {@link #prepare} call does one remote step. Everything created is recorded and
 * deleted by {@link #completeStep} or {@link #abortStep}, as far as the cloud allows at each call.
 */
final class OpenstackExportSession implements ExportSession {
  private static final Logger LOG = LoggerFactory.getLogger(OpenstackExportSession.class);

  private static final Duration NEXT_STEP_NOW = Duration.ZERO;
  private static final Duration STATUS_POLL = Duration.ofSeconds(2);
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final CloudConnection cloud;
  private final SourceVm vm;
  private final Map<String, String> ownerMetadata;
  private final String exportId = UUID.randomUUID().toString().substring(0, 8);
  private final Map<String, DiskExport> disks = new ConcurrentHashMap<>();
  private final List<Artifact> artifacts = new CopyOnWriteArrayList<>();
  private volatile boolean ended;

  OpenstackExportSession(CloudConnection cloud, SourceVm vm, ArtifactOwner owner) {
    this.cloud = requireNonNull(cloud, "cloud is null");
    this.vm = requireNonNull(vm, "vm is null");
    this.ownerMetadata = CloudArtifacts.ownerMetadata(requireNonNull(owner, "owner is null"));
  }

  private enum Step {
    START,
    SNAPSHOT_REQUESTED,
    SNAPSHOT_READY,
    VOLUME_REQUESTED,
    VOLUME_READY,
    IMAGE_REQUESTED,
    READY
  }

  /** The state of one disk's preparation; guarded by its own monitor. */
  private static final class DiskExport {
    Step step = Step.START;
    String snapshotId;
    String volumeId;
    String imageId;
    int imageChecks;
    boolean imageMarked;
    DiskFormat format = DiskFormat.RAW;
  }

  private String artifactName(SourceDisk disk) {
    return CloudArtifacts.NAME_PREFIX + vm.name() + "-disk" + disk.index() + "-" + exportId;
  }

  private boolean isRootDisk(SourceDisk disk) {
    return disk.key().equals(OpenstackInventory.rootDiskKey(vm.id()));
  }

  @Override
  public Preparation prepare(SourceDisk disk) {
    requireOpen();
    DiskExport export = disks.computeIfAbsent(disk.key(), key -> new DiskExport());
    synchronized (export) {
      try {
        return step(disk, export);
      } catch (RuntimeException e) {
        throw OpenstackErrors.translate(e, "prepare disk " + disk.key() + " of " + vm.name());
      }
    }
  }

  private Preparation step(SourceDisk disk, DiskExport export) {
    OSClientV3 os = cloud.client();
    switch (export.step) {
      case START -> {
        if (isRootDisk(disk)) {
          // the root disk of an image-backed server lives on the hypervisor; Nova snapshots it
          // the metadata becomes properties of the image: the owner mark a later release reads
          String imageId =
              os.compute().servers().createSnapshot(vm.id(), artifactName(disk), ownerMetadata);
          if (imageId == null) {
            throw new VmImportException(
                ErrorCode.EXPORT_FAILED,
                "createImage of server " + vm.id() + " returned no image id (Location header)");
          }
          export.imageId = imageId;
          artifacts.add(new Artifact(Type.IMAGE, imageId));
          export.step = Step.IMAGE_REQUESTED;
          return Preparation.pending(STATUS_POLL, "image " + imageId + " of the root disk queued");
        }
        VolumeSnapshot snapshot =
            os.blockStorage()
                .snapshots()
                .create(
                    Builders.volumeSnapshot()
                        .name(artifactName(disk))
                        .volume(disk.key())
                        .metadata(ownerMetadata)
                        // an attached volume is "in-use": Cinder refuses without force
                        .force(true)
                        .build());
        export.snapshotId = snapshot.getId();
        artifacts.add(new Artifact(Type.SNAPSHOT, snapshot.getId()));
        export.step = Step.SNAPSHOT_REQUESTED;
        return Preparation.pending(STATUS_POLL, "snapshot " + snapshot.getId() + " creating");
      }
      case SNAPSHOT_REQUESTED -> {
        VolumeSnapshot snapshot = os.blockStorage().snapshots().get(export.snapshotId);
        Volume.Status status = requireFound(snapshot, "snapshot", export.snapshotId).getStatus();
        if (status == Volume.Status.AVAILABLE) {
          export.step = Step.SNAPSHOT_READY;
          return Preparation.pending(NEXT_STEP_NOW, "snapshot " + export.snapshotId + " ready");
        }
        failOnError(status, "snapshot", export.snapshotId);
        return Preparation.pending(STATUS_POLL, "snapshot " + export.snapshotId + " " + status);
      }
      case SNAPSHOT_READY -> {
        int sizeGib = (int) Math.max(1, (disk.capacityBytes() + (1L << 30) - 1) >> 30);
        Volume volume =
            os.blockStorage()
                .volumes()
                .create(
                    Builders.volume()
                        .name(artifactName(disk))
                        .snapshot(export.snapshotId)
                        .metadata(ownerMetadata)
                        .size(sizeGib)
                        .build());
        export.volumeId = volume.getId();
        artifacts.add(new Artifact(Type.VOLUME, volume.getId()));
        export.step = Step.VOLUME_REQUESTED;
        return Preparation.pending(STATUS_POLL, "volume " + volume.getId() + " creating");
      }
      case VOLUME_REQUESTED -> {
        Volume volume = os.blockStorage().volumes().get(export.volumeId);
        Volume.Status status = requireFound(volume, "volume", export.volumeId).getStatus();
        if (status == Volume.Status.AVAILABLE) {
          export.step = Step.VOLUME_READY;
          return Preparation.pending(NEXT_STEP_NOW, "volume " + export.volumeId + " ready");
        }
        failOnError(status, "volume", export.volumeId);
        return Preparation.pending(STATUS_POLL, "volume " + export.volumeId + " " + status);
      }
      case VOLUME_READY -> {
        if (!export.imageMarked) {
          // Cinder copies a volume's image metadata into the image it uploads, so the image
          // carries the owner mark from its first moment, with no window in which it exists
          // unmarked (os-volume_upload_image itself takes no properties)
          cloud.postJson(
              "/volumes/" + export.volumeId + "/action",
              imageMetadataAction(),
              "mark volume " + export.volumeId + " for the image made from it",
              "volumev3",
              "block-storage");
          export.imageMarked = true;
          return Preparation.pending(NEXT_STEP_NOW, "volume " + export.volumeId + " marked");
        }
        VolumeUploadImage upload =
            os.blockStorage()
                .volumes()
                .uploadToImage(
                    export.volumeId,
                    UploadImageData.create(artifactName(disk))
                        .diskFormat(org.openstack4j.model.image.DiskFormat.RAW)
                        .containerFormat(ContainerFormat.BARE)
                        .force(true));
        if (upload == null || upload.getImageId() == null) {
          throw new VmImportException(
              ErrorCode.EXPORT_FAILED,
              "Cinder accepted the upload of volume " + export.volumeId + " but named no image");
        }
        export.imageId = upload.getImageId();
        artifacts.add(new Artifact(Type.IMAGE, upload.getImageId()));
        export.step = Step.IMAGE_REQUESTED;
        return Preparation.pending(
            cloud.settings().uploadImageRetryDelay(),
            "volume " + export.volumeId + " uploading to image " + export.imageId);
      }
      case IMAGE_REQUESTED -> {
        Image image = os.imagesV2().get(export.imageId);
        Image.ImageStatus status = requireFound(image, "image", export.imageId).getStatus();
        if (status == Image.ImageStatus.ACTIVE) {
          export.format = formatOf(image);
          export.step = Step.READY;
          return Preparation.ready();
        }
        if (status == Image.ImageStatus.KILLED
            || status == Image.ImageStatus.DELETED
            || status == Image.ImageStatus.PENDING_DELETE
            || status == Image.ImageStatus.DEACTIVATED) {
          throw new VmImportException(
              ErrorCode.EXPORT_FAILED,
              "image " + export.imageId + " of disk " + disk.key() + " is " + status.value());
        }
        export.imageChecks++;
        int allowed = cloud.settings().uploadImageRetryCount();
        Duration delay = cloud.settings().uploadImageRetryDelay();
        if (export.imageChecks > allowed) {
          throw new VmImportException(
              ErrorCode.TIMEOUT,
              "image "
                  + export.imageId
                  + " of disk "
                  + disk.key()
                  + " still "
                  + status.value()
                  + " after "
                  + allowed
                  + " checks "
                  + delay.toSeconds()
                  + " s apart (spec.uploadImageRetryCount x spec.uploadImageRetryDelay)");
        }
        return Preparation.pending(delay, "image " + export.imageId + " " + status.value());
      }
      case READY -> {
        return Preparation.ready();
      }
    }
    throw new IllegalStateException("unknown step " + export.step);
  }

  private String imageMetadataAction() {
    try {
      return JSON.writeValueAsString(
          Map.of("os-set_image_metadata", Map.of("metadata", ownerMetadata)));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new VmImportException(ErrorCode.INTERNAL, "cannot write the owner metadata", e);
    }
  }

  private static DiskFormat formatOf(Image image) {
    if (image.getDiskFormat() == null) {
      return DiskFormat.RAW;
    }
    return switch (image.getDiskFormat().name().toLowerCase(Locale.ROOT)) {
      case "qcow2" -> DiskFormat.QCOW2;
      case "vmdk" -> DiskFormat.VMDK;
      case "vhd" -> DiskFormat.VPC;
      case "vhdx" -> DiskFormat.VHDX;
      case "raw" -> DiskFormat.RAW;
      default ->
          throw new VmImportException(
              ErrorCode.NOT_SUPPORTED,
              "image " + image.getId() + " has disk format " + image.getDiskFormat());
    };
  }

  private static <T> T requireFound(T resource, String type, String id) {
    if (resource == null) {
      throw new VmImportException(
          ErrorCode.EXPORT_FAILED, type + " " + id + " disappeared during the export", null, true);
    }
    return resource;
  }

  private static void failOnError(Volume.Status status, String type, String id) {
    if (status == Volume.Status.ERROR
        || status == Volume.Status.ERROR_DELETING
        || status == Volume.Status.ERROR_RESTORING
        || status == Volume.Status.DELETING) {
      throw new VmImportException(
          ErrorCode.EXPORT_FAILED, type + " " + id + " went to status " + status.value());
    }
  }

  @Override
  public DiskStream open(SourceDisk disk) {
    requireOpen();
    DiskExport export = disks.get(disk.key());
    String imageId;
    DiskFormat format;
    if (export == null) {
      throw notPrepared(disk);
    }
    synchronized (export) {
      if (export.step != Step.READY) {
        throw notPrepared(disk);
      }
      imageId = export.imageId;
      format = export.format;
    }
    CloudConnection.DiskData data = cloud.downloadImage(imageId);
    return new DiskStream(data.input(), format, data.length());
  }

  private VmImportException notPrepared(SourceDisk disk) {
    return new VmImportException(
        ErrorCode.INTERNAL, "disk " + disk.key() + " was opened before prepare() said ready");
  }

  private void requireOpen() {
    if (ended) {
      throw new VmImportException(ErrorCode.INTERNAL, "the export of " + vm.name() + " has ended");
    }
  }

  @Override
  public CleanupStep completeStep() {
    return endStep("complete");
  }

  @Override
  public CleanupStep abortStep() {
    return endStep("abort");
  }

  /** What this export made in the cloud and has not deleted yet, oldest first. */
  @Override
  public List<SourceArtifact> artifacts() {
    return artifacts.stream().map(Artifact::toSource).toList();
  }

  /**
   * One pass at deleting what this export made, newest first, without reading the owner mark back:
   * the ids came from the create calls of this very session, not from a checkpoint anyone could
   * have written. Returns pending while the cloud is still busy with one of them.
   */
  private CleanupStep endStep(String why) {
    ended = true;
    CloudArtifacts.Pass pass =
        CloudArtifacts.removeNewestFirst(cloud, List.copyOf(artifacts), Optional.empty());
    artifacts.retainAll(pass.left());
    if (pass.busy().isPresent()) {
      return CleanupStep.pending(CloudArtifacts.STATUS_POLL, pass.busy().get());
    }
    if (!pass.failed().isEmpty()) {
      throw new VmImportException(
          ErrorCode.CLEANUP_FAILED,
          "after "
              + why
              + " of the export of server '"
              + vm.name()
              + "' these remain in the source cloud; delete them by hand: "
              + CloudArtifacts.describe(pass.failed()));
    }
    LOG.debug("export {} of {} cleaned up after {}", exportId, vm.name(), why);
    return CleanupStep.done();
  }
}
