package io.vmimport.api.source;

import static java.util.Objects.requireNonNull;

/**
 * Something an export created on the source and must remove when it ends: an NFC lease, a volume
 * snapshot, a temporary volume, an image. Core keeps the ones a running export reports in the
 * import's checkpoint, so that when the process dies mid-export the next run can hand them to
 * {@link DiskExporter#releaseStep}.
 *
 * @param kind what it is, in the provider's words (e.g. {@code HttpNfcLease}, {@code volume})
 * @param id its id on the source
 */
public record SourceArtifact(String kind, String id) {
  public SourceArtifact {
    requireNonNull(kind, "kind is null");
    requireNonNull(id, "id is null");
    if (kind.isBlank() || id.isBlank()) {
      throw new IllegalArgumentException("kind and id must not be blank");
    }
  }

  @Override
  public String toString() {
    return kind + " " + id;
  }
}
