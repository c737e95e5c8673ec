package io.vmimport.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.CleanupStep;
import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.Preparation;
import io.vmimport.api.source.ReleaseStep;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.UnownedArtifact;
import io.vmimport.core.EngineConfig;
import io.vmimport.core.InMemoryCheckpointStore;
import io.vmimport.core.fake.FakeTime;
import io.vmimport.core.fake.RecordingListener;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Core drives the end of an export and the release of leftovers one provider step at a time, on its
 * own clock, in the run's thread, and a cancel cannot cut that short.
 */
class SourceCleanupTest {
  private static final ImportRef REF = new ImportRef("default", "web", "uid-web");
  private static final Duration TIMEOUT = Duration.ofMinutes(10);
  private static final SourceArtifact SNAPSHOT = new SourceArtifact("snapshot", "s-1");
  private static final SourceArtifact VOLUME = new SourceArtifact("volume", "v-1");
  private static final SourceArtifact IMAGE = new SourceArtifact("image", "i-1");

  private final FakeTime time = new FakeTime();
  private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
  private final CheckpointJournal journal = new CheckpointJournal(store, REF);
  private final CancelSignal cancel = new CancelSignal();
  private final RecordingListener listener = new RecordingListener();
  private final ImportReporter report = new ImportReporter(REF, listener, time);
  private final SourceCleanup cleanup =
      new SourceCleanup(
          new Retrier(
              EngineConfig.builder(Path.of("unused"))
                  .maxAttempts(2)
                  .initialBackoff(Duration.ofMillis(1))
                  .maxBackoff(Duration.ofMillis(1))
                  .build()),
          time,
          TIMEOUT,
          REF,
          journal,
          cancel);

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  @Test
  void anAbortThatWaitsOnTheSourceIsDrivenToTheEndInTheRunsThreadOnTheEnginesClock() {
    Instant start = time.now();
    ScriptedExport export =
        new ScriptedExport(
            List.of(IMAGE, VOLUME, SNAPSHOT),
            step ->
                step < 3 ? CleanupStep.pending(Duration.ofSeconds(2), "volume uploading") : null);
    journal.recordArtifacts(export.artifacts());
    RuntimeException failure = new VmImportException(ErrorCode.EXPORT_FAILED, "disk failed");

    cleanup.abort(export, failure, report);

    assertThat(export.abortSteps).isEqualTo(4);
    assertThat(export.threads).containsOnly(Thread.currentThread());
    assertThat(time.since(start)).isEqualTo(Duration.ofSeconds(6));
    assertThat(failure.getSuppressed()).isEmpty();
    assertThat(journal.leftovers()).as("what the steps removed is forgotten").isEmpty();
  }

  @Test
  void whatEachStepRemovedIsJournaledAtOnce() {
    List<List<SourceArtifact>> journaled = new ArrayList<>();
    ScriptedExport export =
        new ScriptedExport(
            List.of(SNAPSHOT, VOLUME, IMAGE),
            step -> {
              journaled.add(journal.leftovers());
              return null;
            });
    export.removesOnePerStep = true;
    journal.recordArtifacts(export.artifacts());

    cleanup.abort(export, new VmImportException(ErrorCode.CANCELLED, "cancelled"), report);

    assertThat(journaled)
        .containsExactly(
            List.of(SNAPSHOT, VOLUME, IMAGE), List.of(SNAPSHOT, VOLUME), List.of(SNAPSHOT));
    assertThat(journal.leftovers()).isEmpty();
  }

  @Test
  void cancellingWhileTheSourceIsCleanedInterruptsNeitherTheStepsNorTheWaits() {
    cancel.bind(Thread.currentThread());
    List<Boolean> interruptedInStep = new CopyOnWriteArrayList<>();
    ScriptedExport export =
        new ScriptedExport(
            List.of(VOLUME),
            step -> {
              // an operator cancels on every look at a deleted import
              cancel.cancel();
              interruptedInStep.add(Thread.currentThread().isInterrupted());
              return step < 2 ? CleanupStep.pending(Duration.ofSeconds(5), "deleting") : null;
            });
    Thread.currentThread().interrupt(); // the cancel that stopped the transfers

    RuntimeException failure = new VmImportException(ErrorCode.CANCELLED, "import cancelled");
    cleanup.abort(export, failure, report);

    assertThat(export.abortSteps).isEqualTo(3);
    assertThat(interruptedInStep).containsOnly(false);
    assertThat(failure.getSuppressed()).isEmpty();
    assertThat(Thread.currentThread().isInterrupted())
        .as("the run still knows it was cancelled")
        .isTrue();
  }

  @Test
  void aStepCutShortByAnInterruptIsTakenAgain() {
    ScriptedExport export =
        new ScriptedExport(
            List.of(VOLUME),
            step -> {
              if (step == 0) {
                // someone interrupted the thread that called ImportEngine.run
                Thread.currentThread().interrupt();
                throw new VmImportException(ErrorCode.CANCELLED, "interrupted while deleting");
              }
              return null;
            });

    cleanup.abort(export, new VmImportException(ErrorCode.CANCELLED, "cancelled"), report);

    assertThat(export.abortSteps).isEqualTo(2);
    assertThat(export.artifacts()).isEmpty();
    assertThat(Thread.currentThread().isInterrupted()).isTrue();
  }

  @Test
  void aCleanupThatNeverEndsFailsAfterTheTimeoutAndKeepsWhatRemains() {
    ScriptedExport export =
        new ScriptedExport(
            List.of(VOLUME),
            step -> CleanupStep.pending(Duration.ofSeconds(30), "volume v-1 uploading"));
    journal.recordArtifacts(export.artifacts());
    RuntimeException failure = new VmImportException(ErrorCode.EXPORT_FAILED, "disk failed");

    cleanup.abort(export, failure, report);

    assertThat(failure.getSuppressed())
        .singleElement()
        .isInstanceOfSatisfying(
            VmImportException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.CLEANUP_FAILED);
              assertThat(e.getMessage()).contains("volume v-1 uploading", "10 min");
            });
    assertThat(time.since(Instant.parse("2026-01-01T00:00:00Z")))
        .isBetween(TIMEOUT, TIMEOUT.plusMinutes(1));
    assertThat(journal.leftovers()).containsExactly(VOLUME);
    assertThat(listener.warnings).singleElement().asString().contains("volume v-1 uploading");
  }

  @Test
  void completeIsDrivenStepByStepAndItsFailureThrown() {
    ScriptedExport export =
        new ScriptedExport(
            List.of(IMAGE), step -> step == 0 ? CleanupStep.pending(Duration.ZERO, "next") : null);

    cleanup.complete(export, "web01");

    assertThat(export.completeSteps).isEqualTo(2);
    assertThat(export.abortSteps).isZero();

    ScriptedExport refusing =
        new ScriptedExport(
            List.of(IMAGE),
            step -> {
              throw new VmImportException(ErrorCode.CLEANUP_FAILED, "image i-1 is protected");
            });
    VmImportException e =
        catchThrowableOfType(VmImportException.class, () -> cleanup.complete(refusing, "web01"));
    assertThat(e).hasMessageContaining("image i-1 is protected");
  }

  @Test
  void anExportEndingInOneCallIsEndedOnce() {
    List<String> calls = Collections.synchronizedList(new ArrayList<>());
    ExportSession oneCall =
        new ExportSession() {
          @Override
          public Preparation prepare(SourceDisk disk) {
            return Preparation.ready();
          }

          @Override
          public DiskStream open(SourceDisk disk) {
            throw new AssertionError("this test never calls it");
          }

          @Override
          public void complete() {
            calls.add("complete");
          }

          @Override
          public void abort() {
            calls.add("abort");
          }
        };

    cleanup.complete(oneCall, "web01");
    cleanup.abort(oneCall, new VmImportException(ErrorCode.CANCELLED, "cancelled"), report);

    assertThat(calls).containsExactly("complete", "abort");
  }

  @Test
  void releaseHandsWhatRemainsToTheNextStepAndWarnsOfWhatIsNotTheImports() {
    journal.recordArtifacts(List.of(SNAPSHOT, VOLUME, IMAGE));
    List<List<SourceArtifact>> asked = new ArrayList<>();
    List<List<SourceArtifact>> journaled = new ArrayList<>();
    DiskExporter exporter =
        new DiskExporter() {
          @Override
          public io.vmimport.api.source.ExportSession begin(SourceVm vm, ArtifactOwner owner) {
            throw new AssertionError("this test never calls it");
          }

          @Override
          public ReleaseStep releaseStep(List<SourceArtifact> leftovers, ArtifactOwner owner) {
            assertThat(owner).isEqualTo(ArtifactOwner.of(REF));
            asked.add(leftovers);
            journaled.add(journal.leftovers());
            return switch (asked.size()) {
              case 1 ->
                  ReleaseStep.pending(
                      List.of(SNAPSHOT, VOLUME),
                      List.of(new UnownedArtifact(IMAGE, "another import's")),
                      Duration.ofSeconds(2),
                      "image gone");
              case 2 ->
                  ReleaseStep.pending(
                      List.of(SNAPSHOT, VOLUME), List.of(), Duration.ofSeconds(2), "uploading");
              default -> ReleaseStep.done(List.of());
            };
          }
        };

    cleanup.releaseLeftovers(exporter, listener);

    assertThat(asked)
        .containsExactly(
            List.of(SNAPSHOT, VOLUME, IMAGE), List.of(SNAPSHOT, VOLUME), List.of(SNAPSHOT, VOLUME));
    assertThat(journaled)
        .as("a process dying mid-release leaves the next one only the rest")
        .containsExactly(
            List.of(SNAPSHOT, VOLUME, IMAGE), List.of(SNAPSHOT, VOLUME), List.of(SNAPSHOT, VOLUME));
    assertThat(journal.leftovers()).isEmpty();
    assertThat(listener.warnings)
        .singleElement()
        .asString()
        .contains("left image i-1 on the source", "another import's");
  }

  @Test
  void nothingToReleaseAsksTheSourceNothing() {
    List<String> calls = new ArrayList<>();
    DiskExporter exporter =
        new DiskExporter() {
          @Override
          public io.vmimport.api.source.ExportSession begin(SourceVm vm, ArtifactOwner owner) {
            throw new AssertionError("this test never calls it");
          }

          @Override
          public ReleaseStep releaseStep(List<SourceArtifact> leftovers, ArtifactOwner owner) {
            calls.add("release " + leftovers);
            return ReleaseStep.done(List.of());
          }
        };

    cleanup.releaseLeftovers(exporter, listener);

    assertThat(calls).isEmpty();
  }

  /**
   * An export whose end is scripted per step: {@code script} gets the step's number (from 0) and
   * returns what the step returns, or null for done (then nothing remains).
   */
  private static final class ScriptedExport implements ExportSession {
    private final List<SourceArtifact> artifacts;
    private final IntFunction<CleanupStep> script;
    final List<Thread> threads = new CopyOnWriteArrayList<>();
    boolean removesOnePerStep;
    int abortSteps;
    int completeSteps;

    ScriptedExport(List<SourceArtifact> artifacts, IntFunction<CleanupStep> script) {
      this.artifacts = new CopyOnWriteArrayList<>(artifacts);
      this.script = script;
    }

    @Override
    public Preparation prepare(SourceDisk disk) {
      return Preparation.ready();
    }

    @Override
    public DiskStream open(SourceDisk disk) {
      throw new AssertionError("this test never calls it");
    }

    @Override
    public List<SourceArtifact> artifacts() {
      return List.copyOf(artifacts);
    }

    @Override
    public CleanupStep completeStep() {
      return step(completeSteps++);
    }

    @Override
    public CleanupStep abortStep() {
      return step(abortSteps++);
    }

    private CleanupStep step(int number) {
      threads.add(Thread.currentThread());
      CleanupStep step = script.apply(number);
      if (removesOnePerStep && !artifacts.isEmpty()) {
        artifacts.remove(artifacts.size() - 1);
        return artifacts.isEmpty() ? CleanupStep.done() : CleanupStep.pending(Duration.ZERO, "");
      }
      if (step == null) {
        artifacts.clear();
        return CleanupStep.done();
      }
      return step;
    }
  }
}
