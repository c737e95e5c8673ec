package io.vmimport.cli;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.ImportRef;
import io.vmimport.core.Checkpoint;
import io.vmimport.core.CheckpointStore;
import java.util.Optional;

/**
 * Keeps the checkpoint of an import that succeeded, so that running the same command again finds
 * its converted disks (unchanged size) and only rewrites {@code vm.json} instead of exporting
 * everything again: the user may re-run against the same output directory. A cancelled import's
 * checkpoint is deleted, as its files are gone. A stale entry is harmless: the engine only trusts a
 * finished disk whose file still has the recorded size and that was exported from the same source
 * disk (source endpoint, VM id, disk key, capacity) by the same import (uid); otherwise it says so
 * and exports the disk again. Editing {@code virtualMachineName} and running again therefore
 * exports the other VM's disks rather than passing the earlier VM's off as them.
 */
final class RetainingCheckpointStore implements CheckpointStore {
  private final CheckpointStore delegate;

  RetainingCheckpointStore(CheckpointStore delegate) {
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

  @Override
  public void succeeded(ImportRef ref) {
    // kept on purpose; see the class comment
  }
}
