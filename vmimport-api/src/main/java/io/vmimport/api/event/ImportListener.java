package io.vmimport.api.event;

import io.vmimport.api.ImportPhase;
import io.vmimport.api.model.ImportRef;

/**
 * Receives what happens during an import. Called from engine threads, possibly concurrently for
 * different disks; implementations must be thread-safe and quick.
 */
public interface ImportListener {
  ImportListener NONE = new ImportListener() {};

  /** The import entered {@code phase}; {@code message} explains failures. */
  default void phaseChanged(ImportRef ref, ImportPhase phase, String message) {}

  default void conditionChanged(ImportRef ref, ImportCondition condition) {}

  default void diskProgress(ImportRef ref, DiskProgress progress) {}

  /** A warning the user should see (e.g. VMware Tools not running). */
  default void warning(ImportRef ref, String message) {}
}
