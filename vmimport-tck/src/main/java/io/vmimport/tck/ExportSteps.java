package io.vmimport.tck;

import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.PowerControl;
import io.vmimport.api.source.Preparation;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.UnownedArtifact;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** The steps core takes around an export, done the way core does them: polling with deadlines. */
final class ExportSteps {
  /** Core sleeps what the provider asks, but a test should not idle longer than this per step. */
  private static final Duration MAX_PREPARE_PAUSE = Duration.ofSeconds(1);

  private static final Duration MIN_PREPARE_PAUSE = Duration.ofMillis(10);

  private ExportSteps() {}

  /** Powers {@code vm} off unless it is off already and waits for the source to report it off. */
  static void powerOff(SourceSession session, SourceVm vm, Duration timeout) {
    PowerControl power = session.power();
    if (power.state(vm) == PowerState.OFF) {
      return;
    }
    power.powerOff(vm);
    awaitPowerState(session, vm, PowerState.OFF, timeout);
  }

  static void awaitPowerState(
      SourceSession session, SourceVm vm, PowerState wanted, Duration timeout) {
    Await.until(
        "VM '" + vm.name() + "' to be " + wanted,
        timeout,
        () -> session.power().state(vm),
        state -> state == wanted);
  }

  /** Calls {@link ExportSession#prepare} until the disk is ready, sleeping what it asks. */
  static void awaitPrepared(ExportSession export, SourceDisk disk, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Preparation preparation = export.prepare(disk);
    while (!preparation.isReady()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "disk "
                + disk.key()
                + " not ready for export after "
                + timeout
                + "; last detail: "
                + preparation.detail());
      }
      Duration pause = preparation.retryAfter();
      if (pause.compareTo(MIN_PREPARE_PAUSE) < 0) {
        pause = MIN_PREPARE_PAUSE;
      } else if (pause.compareTo(MAX_PREPARE_PAUSE) > 0) {
        pause = MAX_PREPARE_PAUSE;
      }
      Await.pause("disk " + disk.key() + " to be prepared", pause.toMillis());
      preparation = export.prepare(disk);
    }
  }

  /** Copies the whole stream to {@code file} and checks it against the declared length. */
  static void copy(DiskStream stream, Path file) throws IOException {
    long copied = Files.copy(stream.input(), file);
    if (stream.length().isPresent() && stream.length().getAsLong() != copied) {
      throw new AssertionError(
          "stream declared "
              + stream.length().getAsLong()
              + " bytes but delivered "
              + copied
              + " ("
              + file
              + ")");
    }
  }

  /** The import the suites export for. */
  static final ArtifactOwner OWNER =
      new ArtifactOwner("0f3e7a52-tck0-4c6b-9a51-000000000001", "tck/export");

  /** Another import of the same source: what it made is not {@link #OWNER}'s. */
  static final ArtifactOwner OTHER_OWNER =
      new ArtifactOwner("0f3e7a52-tck0-4c6b-9a51-000000000002", "tck/other-import");

  /**
   * Aborts an export that failed with {@code failure}; a failing abort is attached to it as
   * suppressed, so the first cause stays the reported one.
   */
  static void abortAfter(ExportSession export, Throwable failure, ProviderFixture fixture) {
    try {
      abort(export, fixture);
    } catch (RuntimeException | AssertionError e) {
      failure.addSuppressed(e);
    }
  }

  /** Ends a successful export as core does: {@link ExportSession#completeStep()} until done. */
  static void complete(ExportSession export, ProviderFixture fixture) {
    steps(fixture).complete(export);
  }

  /** Ends a failed export as core does: {@link ExportSession#abortStep()} until done. */
  static void abort(ExportSession export, ProviderFixture fixture) {
    steps(fixture).abort(export);
  }

  /** Releases {@code leftovers} as core does; see {@link CleanupSteps#release}. */
  static List<UnownedArtifact> release(
      DiskExporter exporter,
      List<SourceArtifact> leftovers,
      ArtifactOwner owner,
      ProviderFixture fixture) {
    return steps(fixture).release(exporter, leftovers, owner);
  }

  private static CleanupSteps steps(ProviderFixture fixture) {
    return CleanupSteps.within(fixture.timeout()).stepLimit(fixture.cleanupStepLimit());
  }

  /** Waits until the source holds exactly the artifacts it held before the export. */
  static void awaitArtifacts(ProviderFixture fixture, Set<String> before, String after) {
    Await.until(
        "the artifacts on the source after " + after + " to be back to " + before,
        fixture.timeout(),
        fixture::sourceArtifacts,
        before::equals);
  }
}
