package io.vmimport.core.internal;

import io.vmimport.api.ScratchFiles;
import io.vmimport.api.convert.DiskConverter;
import io.vmimport.api.guest.GuestConverter;
import io.vmimport.core.CheckpointStore;
import io.vmimport.core.DiskWorkers;
import io.vmimport.core.EngineConfig;
import io.vmimport.core.ProviderRegistry;
import io.vmimport.core.TimeSource;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What an engine shares between its runs.
 *
 * @param scratchBudget the scratch space imports may hold at once
 * @param scratchFiles where in scratch each import's files go
 * @param hostSlots how many imports export from one source host at once
 * @param guestConverter the guest converter, when one is installed
 * @param diskWorkers where the disk work runs when not in this process
 */
public record EngineServices(
    ProviderRegistry providers,
    DiskConverter converter,
    CheckpointStore checkpoints,
    EngineConfig config,
    TimeSource time,
    Retrier retrier,
    ExecutorService diskExecutor,
    ScheduledExecutorService scheduler,
    ScratchBudget scratchBudget,
    ScratchFiles scratchFiles,
    RunningImports running,
    SourceHostSlots hostSlots,
    Optional<GuestConverter> guestConverter,
    Optional<DiskWorkers> diskWorkers) {}
