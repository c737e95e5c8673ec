package io.vmimport.api.source;

import io.vmimport.api.model.SourceVm;
import java.util.List;

/**
 * Exports the disks of a powered-off VM.
 *
 * <p>Ownership: every call names the import it works for ({@link ArtifactOwner}). Whatever an
 * export creates on the source that outlives a call (a snapshot, a temporary volume or image, a
 * lease file) carries the owner's uid, so that {@link #releaseStep} can check it on the source
 * before deleting. A provider whose exports create nothing lasting (vSphere's NFC leases end with
 * the session) has nothing to mark and keeps the default release.
 */
public interface DiskExporter {
  /**
   * Starts an export of {@code vm} for {@code owner} (e.g. requests an NFC lease). Whatever this
   * creates on the source carries {@code owner}'s uid and is removed when the export ends ({@link
   * ExportSession#completeStep()}, {@link ExportSession#abortStep()}).
   */
  ExportSession begin(SourceVm vm, ArtifactOwner owner);

  /**
   * Advances by one step the removal of what an export for {@code owner} in an earlier process
   * created and never removed, because that process died (the {@link ExportSession#artifacts()} it
   * reported, as core kept them in a checkpoint). Core hands the step's {@link
   * ReleaseStep#remaining()} to the next step, after the {@link ReleaseStep#retryAfter()} it asks
   * for, until nothing remains; like ending an export (see {@link ExportSession}), a step does what
   * the source allows now and never waits on it.
   *
   * <p>The list is not trusted: a provider deletes an artifact only after reading {@code owner}'s
   * mark on it from the source, and reports what exists but is not the owner's as {@link
   * ReleaseStep#unowned()}, left in place. Artifacts already gone are not an error; the order given
   * is the order of creation (so the newest is released first, the image before the volume it was
   * made from).
   *
   * <p>By default calls the one-call {@link #release} and reports done.
   *
   * @throws io.vmimport.api.VmImportException {@code CLEANUP_FAILED} listing what remains of the
   *     owner's own artifacts, when the source refuses to remove it
   */
  default ReleaseStep releaseStep(List<SourceArtifact> leftovers, ArtifactOwner owner) {
    return ReleaseStep.done(release(leftovers, owner));
  }

  /**
   * Removes, in one call, what an export for {@code owner} in an earlier process left: for a source
   * where that is one remote call per artifact and nothing to wait for. The same rules as {@link
   * #releaseStep} apply. Core calls {@link #releaseStep}, which calls this unless overridden; a
   * provider that releases in steps need not implement it. By default nothing is released: an
   * export that creates nothing lasting leaves nothing.
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
