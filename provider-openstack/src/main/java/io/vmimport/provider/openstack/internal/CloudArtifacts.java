package io.vmimport.provider.openstack.internal;

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
import org.openstack4j.model.storage.block.Volume;

/**
 * What an export creates in the cloud (volume snapshots, volumes made from them, Glance images),
 * and how it is removed: by the export that made it, or by the next process when that one died.
 * Removal goes in passes that never wait: a pass deletes, newest first, what the cloud lets it
 * delete now and stops at the first artifact still busy (a volume uploading, a snapshot creating),
 * as an older artifact may be what the busy one is made from; core calls again later.
 */
final class CloudArtifacts {
  /** Prefix of every temporary snapshot, volume and image name, so leftovers are recognisable. */
  static final String NAME_PREFIX = "vmimport-";

  /** How soon to look again at an artifact that is busy. */
  static final Duration STATUS_POLL = Duration.ofSeconds(2);

  /**
   * Metadata key (Cinder snapshot and volume metadata, Glance image property) that carries the uid
   * of the import an artifact was made for: the proof a release checks. Nova's and Glance's key
   * rules allow letters, digits and {@code _-:. }, so no {@code /}.
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
   * What one removal pass did.
   *
   * @param left what is still in the cloud to be removed, oldest first: the busy artifact and those
   *     older than it, and what could not be deleted
   * @param unowned what exists but is not the owner's, left in place, oldest first
   * @param failed what could not be read or deleted, with the reason
   * @param busy what the busy artifact is doing, when the pass stopped at one
   */
  record Pass(
      List<Artifact> left,
      List<UnownedArtifact> unowned,
      Map<Artifact, String> failed,
      Optional<String> busy) {}

  /**
   * One removal pass over {@code artifacts} (oldest first), newest first: each is read, and deleted
   * unless it is gone already, busy (the pass stops there) or, when {@code owner} is given, not
   * marked with the owner's uid (left in place and reported). {@code owner} is given for a list
   * from a checkpoint, which a user can write: only the mark read back from Cinder or Glance proves
   * that an export of this import made it. An export deleting what it made itself gives none.
   */
  static Pass removeNewestFirst(
      CloudConnection cloud, List<Artifact> artifacts, Optional<ArtifactOwner> owner) {
    List<Artifact> left = new ArrayList<>(artifacts);
    List<UnownedArtifact> unowned = new ArrayList<>();
    Map<Artifact, String> failed = new LinkedHashMap<>();
    for (int i = artifacts.size() - 1; i >= 0; i--) {
      Artifact artifact = artifacts.get(i);
      Optional<State> state;
      try {
        state = read(cloud, artifact);
      } catch (RuntimeException e) {
        failed.put(artifact, OpenstackErrors.translate(e, "read " + artifact).getMessage());
        continue;
      }
      if (state.isEmpty()) {
        left.remove(artifact); // gone already
        continue;
      }
      Optional<String> notOwned = owner.flatMap(o -> notOwnedBecause(state.get(), o));
      if (notOwned.isPresent()) {
        left.remove(artifact);
        unowned.add(0, new UnownedArtifact(artifact.toSource(), notOwned.get()));
        continue;
      }
      if (isBusy(artifact.type(), state.get().status())) {
        String busy =
            artifact + " is " + state.get().status() + "; it can be deleted once that is done";
        return new Pass(left, unowned, failed, Optional.of(busy));
      }
      try {
        delete(cloud, artifact);
        left.remove(artifact);
      } catch (RuntimeException e) {
        failed.put(artifact, OpenstackErrors.translate(e, "delete " + artifact).getMessage());
      }
    }
    return new Pass(left, unowned, failed, Optional.empty());
  }

  /** Why an artifact is not {@code owner}'s; empty when it carries the owner's mark. */
  private static Optional<String> notOwnedBecause(State state, ArtifactOwner owner) {
    String mark = state.ownerMark().orElse(null);
    if (owner.owns(mark)) {
      return Optional.empty();
    }
    return Optional.of(
        mark == null
            ? "it has no " + OWNER_UID_KEY + " metadata: no vmimport export made it"
            : "its " + OWNER_UID_KEY + " is " + mark + ", another import's, not " + owner.uid());
  }

  /** An artifact as the cloud shows it: its status and the owner mark it carries. */
  private record State(String status, Optional<String> ownerMark) {}

  /** Reads an artifact; empty when it no longer exists. */
  private static Optional<State> read(CloudConnection cloud, Artifact artifact) {
    OSClientV3 os = cloud.client();
    return switch (artifact.type()) {
      case SNAPSHOT ->
          Optional.ofNullable(os.blockStorage().snapshots().get(artifact.id()))
              .map(s -> new State(statusOf(s.getStatus()), markIn(s.getMetaData())));
      case VOLUME ->
          Optional.ofNullable(os.blockStorage().volumes().get(artifact.id()))
              .map(v -> new State(statusOf(v.getStatus()), markIn(v.getMetaData())));
      case IMAGE ->
          Optional.ofNullable(os.imagesV2().get(artifact.id()))
              .map(
                  image ->
                      new State(
                          image.getStatus() == null ? "" : image.getStatus().value(),
                          Optional.ofNullable(image.getAdditionalPropertyValue(OWNER_UID_KEY))));
    };
  }

  private static String statusOf(Volume.Status status) {
    return status == null ? "" : status.value();
  }

  private static Optional<String> markIn(Map<String, String> metadata) {
    return Optional.ofNullable(metadata == null ? null : metadata.get(OWNER_UID_KEY));
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

  /** "{@code volume <id> (<why>), ...}": what remains, for a message. */
  static String describe(Map<Artifact, String> remaining) {
    List<String> parts = new ArrayList<>();
    remaining.forEach((artifact, why) -> parts.add(artifact + " (" + why + ")"));
    return String.join(", ", parts);
  }

  private static void delete(CloudConnection cloud, Artifact artifact) {
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

  /** Whether Cinder would refuse to delete an artifact in this status until it changes. */
  private static boolean isBusy(Type type, String status) {
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
