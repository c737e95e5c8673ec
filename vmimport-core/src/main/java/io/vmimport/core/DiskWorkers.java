package io.vmimport.core;

import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.target.TargetVm;

/**
 * Runs the disk work of imports outside the engine's process: exporting the disks, converting the
 * guest and serving the converted disks until the target has them (the operator's {@code diskWork:
 * jobs}, a Kubernetes Job per import). The engine keeps the rest: validation, the per-host limit,
 * power-off, publishing the images, the VM, status, cleanup.
 *
 * <p>A worker keeps its own checkpoint: run again after a crash, it continues from its last
 * finished disk. The engine's target must be an {@link io.vmimport.api.target.RemoteImageTarget},
 * since the disks are served by the worker.
 */
public interface DiskWorkers {
  /**
   * Starts the worker of {@code request}, or finds the one an earlier run of the same import
   * started (a restarted engine continues with it).
   *
   * @param vm the VM the engine planned: the worker's disks carry its disk names
   */
  DiskWorker start(ImportRequest request, TargetVm vm);

  /**
   * Removes the workers of the import and what they hold (their scratch, their credentials), and
   * returns once they are gone: a worker told to stop first releases what its export made on the
   * source. Nothing of the import is left when it returns; calling it again does nothing.
   */
  void discard(ImportRef ref);

  /** One import's worker, as seen from the engine. */
  interface DiskWorker {
    /** What the worker reports now; {@link WorkerReport#starting} while it cannot be reached. */
    WorkerReport poll();
  }
}
