package io.vmimport.api.source;

import static java.util.Objects.requireNonNull;

/**
 * An artifact {@link DiskExporter#releaseStep} left in place because it does not carry the mark of
 * the import that asked: it was made by another import, by hand, or by no export at all. Core
 * reports each one to the user as a warning and forgets it.
 *
 * @param reason what the source says about it, e.g. {@code it carries no vmimport owner mark}
 */
public record UnownedArtifact(SourceArtifact artifact, String reason) {
  public UnownedArtifact {
    requireNonNull(artifact, "artifact is null");
    requireNonNull(reason, "reason is null");
  }

  @Override
  public String toString() {
    return artifact + " (" + reason + ")";
  }
}
