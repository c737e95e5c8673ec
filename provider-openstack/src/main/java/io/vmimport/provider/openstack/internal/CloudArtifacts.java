package io.vmimport.provider.openstack.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.UnownedArtifact;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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

  /**
   * Metadata key (Cinder snapshot and volume metadata, Glance image property) that carries the uid
   * of the import an artifact was made for: the proof {@link #releaseOwned} checks. Nova's and
   * Glance's key rules allow letters, digits and {@code _-:. }, so no {@code /}.
   */
  static final String OWNER_UID_KEY = "vmimport_import_uid";

  /** The import's {@code namespace/name}, for people looking at the cloud; never checked. */
  static final String OWNER_NAME_KEY = "vmimport_import";

  private CloudArtifacts() {}

  /** The metadata that marks an artifact as {@code owner}'s. */
  static Map<String, String> ownerMetadata(ArtifactOwner owner) {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put(OWNER_UID_KEY, owner.uid());
    // Cinder and Nova cap metadata values at 255 characters
    String name = owner.importName();
    metadata.put(OWNER_NAME_KEY, name.length() > 255 ? name.substring(0, 255) : name);
    return metadata;
  }

  /**
   * Deletes those of {@code leftovers} that carry {@code owner}'s uid on the cloud, newest first;
   * those already gone count as deleted. The list comes from a checkpoint, which a user can write:
   * only the mark read back from Cinder or Glance proves that an export of this import made it.
   *
   * @param remaining receives what could not be deleted or checked, each with the reason
   * @return what exists but is not {@code owner}'s, left in place
   */
  static List<UnownedArtifact> releaseOwned(
      CloudConnection cloud,
      List<SourceArtifact> leftovers,
      ArtifactOwner owner,
      Map<Artifact, String> remaining) {
    List<UnownedArtifact> unowned = new ArrayList<>();
    List<Artifact> owned = new ArrayList<>();
    for (SourceArtifact leftover : leftovers) {
      Optional<Artifact> artifact = Artifact.parse(leftover);
      if (artifact.isEmpty()) {
        unowned.add(
            new UnownedArtifact(
                leftover, "an OpenStack export makes snapshots, volumes and images only"));
        continue;
      }
      Optional<Map<String, String>> marks;
      try {
        marks = metadataOf(cloud, artifact.get());
      } catch (RuntimeException e) {
        remaining.put(
            artifact.get(),
            OpenstackErrors.translate(e, "read the metadata of " + artifact.get()).getMessage());
        continue;
      }
      if (marks.isEmpty()) {
        continue; // gone already
      }
      String mark = marks.get().get(OWNER_UID_KEY);
      if (owner.owns(mark)) {
        owned.add(artifact.get());
      } else {
        unowned.add(
            new UnownedArtifact(
                leftover,
                mark == null
                    ? "it has no " + OWNER_UID_KEY + " metadata: no vmimport export made it"
                    : "its "
                        + OWNER_UID_KEY
                        + " is "
                        + mark
                        + ", another import's, not "
                        + owner.uid()));
      }
    }
    remaining.putAll(deleteNewestFirst(cloud, owned));
    return unowned;
  }

  /** The metadata (image: properties) of an artifact; empty when it no longer exists. */
  private static Optional<Map<String, String>> metadataOf(
      CloudConnection cloud, Artifact artifact) {
    OSClientV3 os = cloud.client();
    return switch (artifact.type()) {
      case SNAPSHOT ->
          Optional.ofNullable(os.blockStorage().snapshots().get(artifact.id()))
              .map(snapshot -> orEmpty(snapshot.getMetaData()));
      case VOLUME ->
          Optional.ofNullable(os.blockStorage().volumes().get(artifact.id()))
              .map(volume -> orEmpty(volume.getMetaData()));
      case IMAGE ->
          Optional.ofNullable(os.imagesV2().get(artifact.id()))
              .map(
                  image -> {
                    String uid = image.getAdditionalPropertyValue(OWNER_UID_KEY);
                    return uid == null ? Map.<String, String>of() : Map.of(OWNER_UID_KEY, uid);
                  });
    };
  }

  private static Map<String, String> orEmpty(Map<String, String> metadata) {
    return metadata == null ? Map.of() : metadata;
  }

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

    /** Empty for a kind no OpenStack export makes (a checkpoint may name anything). */
    static Optional<Artifact> parse(SourceArtifact artifact) {
      for (Type type : Type.values()) {
        if (type.kind().equals(artifact.kind())) {
          return Optional.of(new Artifact(type, artifact.id()));
        }
      }
      return Optional.empty();
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
