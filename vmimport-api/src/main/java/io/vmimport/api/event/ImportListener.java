package io.vmimport.api.event;

import io.vmimport.api.ImportPhase;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetStatus;
import io.vmimport.api.target.TargetVm;

/**
 * Receives what happens during an import. Called from engine threads, possibly concurrently for
 * different disks; implementations must be thread-safe and quick.
 */
public interface ImportListener {
  ImportListener NONE = new ImportListener() {};

  /** The import entered {@code phase}; {@code message} explains failures. */
  default void phaseChanged(ImportRef ref, ImportPhase phase, String message) {}

  /**
   * The import ended with {@code error} (its code says why, e.g. {@code NOT_FOUND}; {@code
   * CANCELLED} when cancelled). Called just before the phase change that shows the failure, so a
   * listener that writes a status can write the phase and its reason together.
   */
  default void failed(ImportRef ref, VmImportException error) {}

  default void conditionChanged(ImportRef ref, ImportCondition condition) {}

  /**
   * The source VM was read and the target VM planned (its name, disks and buses), before any disk
   * moves.
   */
  default void planned(ImportRef ref, TargetVm vm) {}

  /**
   * An image was submitted to the target ({@code PENDING}) or its state changed; a failed image
   * submitted again arrives as a new {@code image}.
   */
  default void imageChanged(ImportRef ref, PublishedImage image, TargetStatus status) {}

  default void diskProgress(ImportRef ref, DiskProgress progress) {}

  /**
   * The import waits for a limit before it goes on (e.g. the exports allowed at once from one
   * source host); {@code reason} is a short word ({@code Queued}), {@code message} names the limit
   * and the import's place. Called again when the place changes; the next {@link #diskProgress} or
   * phase change means it goes on.
   */
  default void waiting(ImportRef ref, String reason, String message) {}

  /** A warning the user should see (e.g. VMware Tools not running). */
  default void warning(ImportRef ref, String message) {}
}
