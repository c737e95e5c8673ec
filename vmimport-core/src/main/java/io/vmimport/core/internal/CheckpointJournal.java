package io.vmimport.core.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.core.Checkpoint;
import io.vmimport.core.CheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The checkpoint of one import, and the only code that loads and saves it. It keeps two things: the
 * disks a run finished (so that the next run of the same import skips them) and what the running
 * export holds on the source (so that the next run, or a discard, removes it when this process
 * dies).
 *
 * <p>Ownership: a checkpoint is kept by namespace and name, and may have been written by another
 * import of the same name (deleted and created again) or by hand. Its finished disks are reused
 * only when it carries this import's uid and each disk was exported from the same source disk; what
 * it lists as held on the source is kept whoever wrote it, to be handed to the source, which
 * deletes only what carries this import's uid. Thread-safe: disks finish on several threads.
 */
public final class CheckpointJournal {
  private final CheckpointStore store;
  private final ImportRef ref;
  private final Object lock = new Object();
  // what this journal last recorded as held on the source; guarded by lock
  private List<SourceArtifact> recordedArtifacts = List.of();

  public CheckpointJournal(CheckpointStore store, ImportRef ref) {
    this.store = requireNonNull(store, "store is null");
    this.ref = requireNonNull(ref, "ref is null");
  }

  /** A disk an earlier run of this import finished, taken over as it is. */
  public record ReusedDisk(TargetDisk disk, Path file, long sizeBytes) {}

  /**
   * What a run may take over from earlier runs.
   *
   * @param warnings what the user should know about finished disks that are not taken over
   * @param guestConverted what the conversion said, when an earlier run converted the guest on the
   *     finished disks; it holds for {@code disks} only when every disk of the VM is among them
   */
  public record Resumption(
      List<ReusedDisk> disks, List<String> warnings, Optional<String> guestConverted) {
    public Resumption {
      disks = List.copyOf(disks);
      warnings = List.copyOf(warnings);
      requireNonNull(guestConverted, "guestConverted is null");
    }
  }

  /**
   * The disks of {@code disks} that an earlier run of this import finished, exported from the same
   * source disk (same source, VM id, disk key and capacity), still present and of the recorded
   * size. A disk exported from somewhere else is forgotten, with a warning: it is exported again.
   * The finished disks of a checkpoint another import wrote are all ignored, with a warning.
   *
   * @param sourceIdentity the source as {@link SourceIdentity} names it
   * @param diskPath where the target keeps each disk's converted file
   */
  public Resumption resume(
      String sourceIdentity,
      SourceVm source,
      List<TargetDisk> disks,
      Function<TargetDisk, Path> diskPath) {
    synchronized (lock) {
      Checkpoint loaded = load();
      Checkpoint checkpoint = own(loaded);
      List<String> warnings = new ArrayList<>();
      if (checkpoint != loaded && !loaded.disks().isEmpty()) {
        warnings.add(
            "the resume state holds "
                + loaded.disks().size()
                + " disk(s) finished by "
                + (loaded.importUid().isEmpty()
                    ? "a run that did not record its import's uid"
                    : "another import of the same name (uid " + loaded.importUid() + ")")
                + ", not by this one (uid "
                + ref.uid()
                + "); ignoring them");
      }
      Checkpoint kept = checkpoint;
      List<ReusedDisk> reused = new ArrayList<>();
      for (TargetDisk disk : disks) {
        Checkpoint.FinishedDisk finished = checkpoint.disks().get(disk.source().key());
        if (finished == null) {
          continue;
        }
        Path expected = diskPath.apply(disk);
        List<String> differences =
            finished.differences(finishedDisk(sourceIdentity, source, disk, expected, -1));
        if (!differences.isEmpty()) {
          warnings.add(
              disk.name()
                  + ": the file an earlier run converted ("
                  + finished.path()
                  + ") was exported from another disk: "
                  + String.join(", ", differences)
                  + "; exporting "
                  + disk.source().name()
                  + " again");
          kept = kept.withoutDisk(finished.diskKey());
          continue;
        }
        if (Path.of(finished.path()).equals(expected) && sizeOf(expected) == finished.sizeBytes()) {
          reused.add(new ReusedDisk(disk, expected, finished.sizeBytes()));
        }
      }
      if (!kept.disks().equals(loaded.disks())) {
        store.save(ref, kept);
      }
      return new Resumption(
          reused,
          warnings,
          Optional.of(kept.guestConverted()).filter(message -> !message.isEmpty()));
    }
  }

  /**
   * Records that the guest on {@code files} (by target disk name) was converted, and the disks'
   * lengths since: a run after a crash takes them as they are, without exporting or converting
   * again.
   */
  public void guestConverted(
      String sourceIdentity,
      SourceVm source,
      List<TargetDisk> disks,
      Map<String, Path> files,
      String message) {
    synchronized (lock) {
      List<Checkpoint.FinishedDisk> converted = new ArrayList<>();
      for (TargetDisk disk : disks) {
        Path file = files.get(disk.name());
        converted.add(finishedDisk(sourceIdentity, source, disk, file, sizeOf(file)));
      }
      store.save(ref, own(load()).withGuestConverted(converted, message));
    }
  }

  /** Records that {@code disk} of {@code source} was converted into {@code file}. */
  public void diskFinished(
      String sourceIdentity, SourceVm source, TargetDisk disk, Path file, long sizeBytes) {
    synchronized (lock) {
      store.save(
          ref, own(load()).withDisk(finishedDisk(sourceIdentity, source, disk, file, sizeBytes)));
    }
  }

  /** Records what the running export holds on the source, when it changed since last time. */
  public void recordArtifacts(List<SourceArtifact> artifacts) {
    synchronized (lock) {
      if (!recordedArtifacts.equals(artifacts)) {
        store.save(ref, own(load()).withSourceArtifacts(artifacts));
        recordedArtifacts = List.copyOf(artifacts);
      }
    }
  }

  /** What the export of an earlier run left on the source, whoever wrote the checkpoint. */
  public List<SourceArtifact> leftovers() {
    return store.load(ref).map(Checkpoint::sourceArtifacts).orElse(List.of());
  }

  /**
   * Records which of the leftovers remain while the source releases them: the rest were removed (or
   * left as not this import's). Everything else in the checkpoint stays.
   */
  public void keepLeftovers(List<SourceArtifact> remaining) {
    synchronized (lock) {
      Checkpoint loaded = load();
      if (!loaded.sourceArtifacts().equals(remaining)) {
        store.save(ref, loaded.withSourceArtifacts(remaining));
      }
    }
  }

  /** The import succeeded: the store decides whether the checkpoint is kept. */
  public void succeeded() {
    store.succeeded(ref);
  }

  /**
   * The import was cancelled and its files removed: the finished disks are forgotten, and what the
   * source's cleanup could not remove stays recorded, for a discard or the next run.
   */
  public void cancelled() {
    synchronized (lock) {
      List<SourceArtifact> leftovers = leftovers();
      if (leftovers.isEmpty()) {
        store.delete(ref);
      } else {
        store.save(ref, Checkpoint.EMPTY.withSourceArtifacts(leftovers));
      }
    }
  }

  /** Forgets the checkpoint: the import is discarded. */
  public void discard() {
    synchronized (lock) {
      store.delete(ref);
    }
  }

  private Checkpoint load() {
    return store.load(ref).orElse(Checkpoint.EMPTY);
  }

  /**
   * The checkpoint if this import wrote it; else an empty one of this import that keeps what an
   * earlier export left on the source, for it to be released.
   */
  private Checkpoint own(Checkpoint loaded) {
    return loaded.importUid().equals(ref.uid())
        ? loaded
        : Checkpoint.of(ref.uid()).withSourceArtifacts(loaded.sourceArtifacts());
  }

  private static Checkpoint.FinishedDisk finishedDisk(
      String sourceIdentity, SourceVm source, TargetDisk disk, Path file, long sizeBytes) {
    return new Checkpoint.FinishedDisk(
        disk.source().key(),
        file.toString(),
        sizeBytes,
        sourceIdentity,
        source.id(),
        disk.source().capacityBytes());
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }
}
