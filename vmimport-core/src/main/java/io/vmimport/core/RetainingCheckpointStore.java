package io.vmimport.core;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.ImportRef;
import java.util.Optional;

/**
 * A store that keeps the checkpoint of an import that succeeded, so that running the same import
 * again (the CLI's command, against the same output directory) finds its converted disks and only
 * writes what comes after them, instead of exporting everything again. A cancelled import's
 * checkpoint is deleted as before, as its files are gone.
 *
 * <p>A stale entry is harmless: the engine takes over a finished disk only when its file still has
 * the recorded size and it was exported from the same source disk (source, VM id, disk key,
 * capacity) by the same import (uid); otherwise it says so and exports the disk again.
 */
public final class RetainingCheckpointStore implements CheckpointStore {
  private final CheckpointStore delegate;

  public RetainingCheckpointStore(CheckpointStore delegate) {
    this.delegate = requireNonNull(delegate, "delegate is null");
  }

  @Override
  public Optional<Checkpoint> load(ImportRef ref) {
    return delegate.load(ref);
  }

  @Override
  public void save(ImportRef ref, Checkpoint checkpoint) {
    delegate.save(ref, checkpoint);
  }

  @Override
  public void delete(ImportRef ref) {
    delegate.delete(ref);
  }

  /** Keeps the checkpoint; see the class comment. */
  @Override
  public void succeeded(ImportRef ref) {}
}
