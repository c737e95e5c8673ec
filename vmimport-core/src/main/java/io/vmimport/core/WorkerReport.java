package io.vmimport.core;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.VmImportException;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.ImportCondition;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a disk worker reports to the engine.
 *
 * @param stage how far it has come
 * @param disks the latest progress of each disk it works on
 * @param conditions the conditions it set (export, guest conversion), oldest first
 * @param images where each finished disk is served, by target disk name; complete once {@code
 *     SERVING}
 * @param failure why it failed, when {@code FAILED}
 */
public record WorkerReport(
    Stage stage,
    List<DiskProgress> disks,
    List<ImportCondition> conditions,
    Map<String, URI> images,
    Optional<VmImportException> failure) {
  /** The stages of a worker, in order. */
  public enum Stage {
    /** Created, not reachable yet (scheduled, pulling its image, starting). */
    STARTING,
    EXPORTING,
    /** Its disks are exported; it converts the guest. */
    CONVERTING,
    /** It serves every disk at its URL until it is discarded. */
    SERVING,
    FAILED
  }

  public WorkerReport {
    requireNonNull(stage, "stage is null");
    disks = List.copyOf(requireNonNull(disks, "disks is null"));
    conditions = List.copyOf(requireNonNull(conditions, "conditions is null"));
    images = Map.copyOf(requireNonNull(images, "images is null"));
    requireNonNull(failure, "failure is null");
    if (stage == Stage.FAILED && failure.isEmpty()) {
      throw new IllegalArgumentException("a failed worker says why");
    }
  }

  /** A worker that cannot be reached yet; {@code message} says what it waits for. */
  public static WorkerReport starting() {
    return new WorkerReport(Stage.STARTING, List.of(), List.of(), Map.of(), Optional.empty());
  }

  public static WorkerReport failed(VmImportException why) {
    return new WorkerReport(Stage.FAILED, List.of(), List.of(), Map.of(), Optional.of(why));
  }
}
