package io.vmimport.api.source;

import io.vmimport.api.model.SourceVm;
import java.util.List;

/**
 * Exports the disks of a powered-off VM.
 *
 * <p>Ownership: every call names the import it works for ({@link ArtifactOwner}). Whatever an
 * export creates on the source that outlives a call (a snapshot, a temporary volume or image, a
 * lease file) carries the owner's uid, so that {@link #release} can check it on the source before
 * deleting. A provider whose exports create nothing lasting (vSphere's NFC leases end with the
 * session) has nothing to mark and keeps the default {@link #release}.
 */
public interface DiskExporter {
  /**
   * Starts an export of {@code vm} for {@code owner} (e.g. requests an NFC lease). Whatever this
   * creates on the source carries {@code owner}'s uid and is removed by {@link
   * ExportSession#complete()} or {@link ExportSession#abort()}.
   */
  ExportSession begin(SourceVm vm, ArtifactOwner owner);

  /**
   * Removes what an export for {@code owner} in an earlier process created and never removed,
   * because that process died (the {@link ExportSession#artifacts()} it reported, as core kept them
   * in a checkpoint). The list is not trusted: a provider deletes an artifact only after reading
   * {@code owner}'s mark on it from the source. Artifacts already gone are not an error; the order
   * given is the order of creation.
   *
   * @return the artifacts left in place because they exist but are not {@code owner}'s; empty when
   *     every one was removed or already gone
   * @throws io.vmimport.api.VmImportException {@code CLEANUP_FAILED} listing what remains of the
   *     owner's own artifacts
   */
  default List<UnownedArtifact> release(List<SourceArtifact> leftovers, ArtifactOwner owner) {
    return List.of();
  }
}
