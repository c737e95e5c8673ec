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

  void delete(ImportRef ref);
}
