package io.vmimport.provider.openstack.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.source.SourceArtifact;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.model.common.ActionResponse;
import org.openstack4j.model.image.v2.Image;
import org.openstack4j.model.storage.block.Volume;
import org.openstack4j.model.storage.block.VolumeSnapshot;

/**
 * What an export creates in the cloud (volume snapshots, volumes made from them, Glance images),
 * and how it is removed: by the export that made it, or by the next process when that one died.
 */
final class CloudArtifacts {
  private static final Duration STATUS_POLL = Duration.ofSeconds(2);

  /**
   * How long cleanup waits for an artifact to leave a transitional state (Cinder refuses to delete
   * a volume that is still uploading or a snapshot still creating). Cleanup is the last call of an
   * export, so there is no later call to continue from.
   */
  private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(3);

  private CloudArtifacts() {}

  enum Type {
    SNAPSHOT,
    VOLUME,
    IMAGE;

    String kind() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  record Artifact(Type type, String id) {
    @Override
    public String toString() {
      return type.kind() + " " + id;
    }

    SourceArtifact toSource() {
      return new SourceArtifact(type.kind(), id);
    }

    /**
     * @throws VmImportException {@code INTERNAL} for a kind no OpenStack export makes
     */
    static Artifact of(SourceArtifact artifact) {
      for (Type type : Type.values()) {
        if (type.kind().equals(artifact.kind())) {
          return new Artifact(type, artifact.id());
        }
      }
      throw new VmImportException(
          ErrorCode.INTERNAL, artifact + " is not something an OpenStack export makes");
    }
  }

  /**
   * Deletes {@code created} newest first (the image before the volume it came from, the volume
   * before its snapshot); one already gone counts as deleted.
   *
   * @return what could not be deleted, each with the reason, newest first
   */
  static Map<Artifact, String> deleteNewestFirst(CloudConnection cloud, List<Artifact> created) {
    Map<Artifact, String> remaining = new LinkedHashMap<>();
    for (int i = created.size() - 1; i >= 0; i--) {
      Artifact artifact = created.get(i);
      try {
        delete(cloud, artifact);
      } catch (RuntimeException e) {
        remaining.put(artifact, OpenstackErrors.translate(e, "delete " + artifact).getMessage());
      }
    }
    return remaining;
  }

  /** "{@code volume <id> (<why>), ...}": what remains, for a message. */
  static String describe(Map<Artifact, String> remaining) {
    List<String> parts = new ArrayList<>();
    remaining.forEach((artifact, why) -> parts.add(artifact + " (" + why + ")"));
    return String.join(", ", parts);
  }

  private static void delete(CloudConnection cloud, Artifact artifact) {
    awaitSettled(cloud, artifact);
    OSClientV3 os = cloud.client();
    ActionResponse response =
        switch (artifact.type()) {
          case SNAPSHOT -> os.blockStorage().snapshots().delete(artifact.id());
          case VOLUME -> os.blockStorage().volumes().delete(artifact.id());
          case IMAGE -> os.imagesV2().delete(artifact.id());
        };
    if (!response.isSuccess() && response.getCode() != 404) {
      throw OpenstackErrors.fromStatus(
          response.getCode(), response.getFault(), "delete " + artifact, null);
    }
  }

  /** Waits (bounded) until Cinder/Glance accept a delete of the artifact. */
  private static void awaitSettled(CloudConnection cloud, Artifact artifact) {
    long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      String status = statusOf(cloud, artifact);
      if (status == null || !isTransitional(artifact.type(), status)) {
        return;
      }
      try {
        Thread.sleep(STATUS_POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new VmImportException(
            ErrorCode.CLEANUP_FAILED, "interrupted while waiting to delete " + artifact, e);
      }
    }
  }

  private static String statusOf(CloudConnection cloud, Artifact artifact) {
    OSClientV3 os = cloud.client();
    return switch (artifact.type()) {
      case SNAPSHOT -> {
        VolumeSnapshot snapshot = os.blockStorage().snapshots().get(artifact.id());
        yield snapshot == null ? null : snapshot.getStatus().value();
      }
      case VOLUME -> {
        Volume volume = os.blockStorage().volumes().get(artifact.id());
        yield volume == null ? null : volume.getStatus().value();
      }
      case IMAGE -> {
        Image image = os.imagesV2().get(artifact.id());
        yield image == null ? null : image.getStatus().value();
      }
    };
  }

  private static boolean isTransitional(Type type, String status) {
    String s = status.toLowerCase(Locale.ROOT);
    return switch (type) {
      case SNAPSHOT, VOLUME ->
          s.equals("creating")
              || s.equals("uploading")
              || s.equals("downloading")
              || s.equals("attaching")
              || s.equals("detaching")
              || s.equals("backing-up");
      // a queued/saving image can be deleted; Glance stops the upload
      case IMAGE -> false;
    };
  }
}
