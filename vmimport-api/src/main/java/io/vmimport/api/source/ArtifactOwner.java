package io.vmimport.api.source;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.ImportRef;

/**
 * The import an export works for. A provider marks everything an export creates on the source with
 * {@link #uid()} (a tag, a metadata key, a line in a file) and, in {@link
 * DiskExporter#releaseStep}, deletes only what carries that mark: the list of leftovers comes from
 * a checkpoint, and a checkpoint can be written by a user, so an id in it proves nothing.
 *
 * @param uid the import's uid ({@link ImportRef#uid()}): the proof of ownership
 * @param importName {@code namespace/name} of the import, for people reading the source's tags and
 *     for messages; never used to decide ownership
 */
public record ArtifactOwner(String uid, String importName) {
  public ArtifactOwner {
    requireNonNull(uid, "uid is null");
    requireNonNull(importName, "importName is null");
    if (uid.isBlank()) {
      throw new IllegalArgumentException("uid is blank");
    }
  }

  public static ArtifactOwner of(ImportRef ref) {
    return new ArtifactOwner(ref.uid(), ref.toString());
  }

  /** Whether a mark read back from the source is this owner's. */
  public boolean owns(String mark) {
    return uid.equals(mark);
  }

  @Override
  public String toString() {
    return "import " + importName + " (uid " + uid + ")";
  }
}
