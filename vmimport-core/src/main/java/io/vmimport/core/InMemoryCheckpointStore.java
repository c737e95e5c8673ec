package io.vmimport.core;

import io.vmimport.api.model.ImportRef;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Checkpoints for the life of the process. */
public final class InMemoryCheckpointStore implements CheckpointStore {
  private final Map<ImportRef, Checkpoint> checkpoints = new ConcurrentHashMap<>();

  @Override
  public Optional<Checkpoint> load(ImportRef ref) {
    return Optional.ofNullable(checkpoints.get(ref));
  }

  @Override
  public void save(ImportRef ref, Checkpoint checkpoint) {
    checkpoints.put(ref, checkpoint);
  }

  @Override
  public void delete(ImportRef ref) {
    checkpoints.remove(ref);
  }
}
