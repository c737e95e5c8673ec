package io.vmimport.core;

import io.vmimport.api.model.ImportRef;
import java.util.Optional;

/**
 * Keeps checkpoints of running imports: in memory, in a file (the CLI), in the CR status (the
 * operator). Implementations must be thread-safe.
 */
public interface CheckpointStore {
  Optional<Checkpoint> load(ImportRef ref);

  void save(ImportRef ref, Checkpoint checkpoint);

  /** Forgets the checkpoint: the import was cancelled and its files removed. */
  void delete(ImportRef ref);

  /**
   * The import succeeded. By default the checkpoint is forgotten; a store may keep it so that
   * running the same import again finds its finished disks instead of exporting them again.
   */
  default void succeeded(ImportRef ref) {
    delete(ref);
  }
}
