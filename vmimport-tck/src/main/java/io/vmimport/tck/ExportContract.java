package io.vmimport.tck;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.UnownedArtifact;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export: the bytes of every disk of the known VM arrive unchanged, and whatever the export created
 * on the source is gone after it was completed, after it was aborted following a failure, and after
 * a cancel that closes the stream from another thread; what an export that never ended left is
 * listed by {@code artifacts()} and removed by the next session's release, but only for the import
 * that made it: a release for another import, or of something no export made, leaves it in place
 * and reports it. The suite drives the export as core does: powers the VM off if needed, calls
 * {@code prepare} until ready (sleeping what it asks, at most a second at a time), opens each disk
 * and copies it to a file that the fixture verifies, and ends the export and releases leftovers
 * step by step ({@code completeStep}, {@code abortStep}, {@code releaseStep} until done), failing
 * any step that takes longer than {@link ProviderFixture#cleanupStepLimit()}: waiting on the source
 * is core's job, not a provider's.
 */
public abstract class ExportContract extends ProviderContract {
  /** What the failure and cancel paths read before giving up: enough to have started a transfer. */
  private static final int PARTIAL_READ_BYTES = 64 * 1024;

  private static final String OWNER_TEXT = ExportSteps.OWNER.toString();

  @TempDir Path exportDir;

  @Test
  void exportsEveryDiskUnchangedAndLeavesNothingOnSource() throws Exception {
    try (SourceSession session = openGoodSource()) {
      SourceVm vm = poweredOffKnownVm(session);
      Set<String> before = fixture().sourceArtifacts();

      List<ExportedDisk> exported = new ArrayList<>();
      ExportSession export = session.exporter().begin(vm, ExportSteps.OWNER);
      try {
        for (SourceDisk disk : vm.disks()) {
          ExportSteps.awaitPrepared(export, disk, timeout());
          Path file = exportDir.resolve("disk-" + disk.index());
          try (DiskStream stream = export.open(disk)) {
            ExportSteps.copy(stream, file);
            exported.add(new ExportedDisk(disk, stream.format(), file));
          }
          export.keepAlive(exported.size() * 100 / vm.disks().size());
        }
        ExportSteps.complete(export, fixture());
      } catch (Throwable failure) {
        ExportSteps.abortAfter(export, failure, fixture());
        throw failure;
      }

      ExportSteps.awaitArtifacts(fixture(), before, "completeStep()");
      // verified after the export ended so that a slow check does not hold the source's lease
      for (ExportedDisk disk : exported) {
        fixture().verifyExport(disk.disk(), disk.format(), disk.file());
      }
    }
  }

  @Test
  void abortBeforeAnyDiskIsReadLeavesNothingOnSource() {
    try (SourceSession session = openGoodSource()) {
      SourceVm vm = poweredOffKnownVm(session);
      Set<String> before = fixture().sourceArtifacts();

      ExportSession export = session.exporter().begin(vm, ExportSteps.OWNER);
      try {
        // one step only: the preparation may still be running on the source when the abort comes
        export.prepare(vm.disks().get(0));
      } catch (Throwable failure) {
        ExportSteps.abortAfter(export, failure, fixture());
        throw failure;
      }
      ExportSteps.abort(export, fixture());

      ExportSteps.awaitArtifacts(fixture(), before, "abortStep() during preparation");
    }
  }

  @Test
  void abortAfterPartialReadLeavesNothingOnSource() throws IOException {
    try (SourceSession session = openGoodSource()) {
      SourceVm vm = poweredOffKnownVm(session);
      SourceDisk disk = vm.disks().get(0);
      Set<String> before = fixture().sourceArtifacts();

      ExportSession export = session.exporter().begin(vm, ExportSteps.OWNER);
      try {
        ExportSteps.awaitPrepared(export, disk, timeout());
        try (DiskStream stream = export.open(disk)) {
          byte[] head = stream.input().readNBytes(PARTIAL_READ_BYTES);
          assertThat(head).as("first bytes of disk %s", disk.key()).isNotEmpty();
        }
      } catch (Throwable failure) {
        ExportSteps.abortAfter(export, failure, fixture());
        throw failure;
      }
      // the transfer "failed" midway, as when conversion rejects the data
      ExportSteps.abort(export, fixture());

      ExportSteps.awaitArtifacts(fixture(), before, "abortStep() after a partial read");
    }
  }

  @Test
  void closingStreamFromAnotherThreadStopsTransferAndAbortLeavesNothingOnSource() throws Exception {
    try (SourceSession session = openGoodSource()) {
      SourceVm vm = poweredOffKnownVm(session);
      SourceDisk disk = vm.disks().get(0);
      Set<String> before = fixture().sourceArtifacts();

      ExecutorService readerThread = Executors.newSingleThreadExecutor();
      ExportSession export = session.exporter().begin(vm, ExportSteps.OWNER);
      try {
        ExportSteps.awaitPrepared(export, disk, timeout());
        DiskStream stream = export.open(disk);
        CancelledRead read = readUntilClosedElsewhere(stream, readerThread);

        if (stream.length().isPresent() && stream.length().getAsLong() > read.bytesBeforeClose()) {
          assertThat(read.endedNormally() && read.bytesTotal() == stream.length().getAsLong())
              .as(
                  "the stream delivered all %d bytes although it was closed after %d",
                  stream.length().getAsLong(), read.bytesBeforeClose())
              .isFalse();
        }
      } catch (Throwable failure) {
        ExportSteps.abortAfter(export, failure, fixture());
        throw failure;
      } finally {
        readerThread.shutdownNow();
      }
      ExportSteps.abort(export, fixture());

      ExportSteps.awaitArtifacts(fixture(), before, "a cancel (stream closed, then abortStep())");
    }
  }

  /**
   * Ending an export and releasing what a dead one left are driven by core one step at a time,
   * because the source is often still busy with what the export made (a snapshot still creating, a
   * volume still uploading) and cannot delete it yet: each step must return promptly, saying when
   * to ask again, rather than wait, and the steps must get done. Here the export is aborted, and a
   * dead export's leftovers released, right after the first preparation step, when the source is
   * busiest.
   */
  @Test
  void cleanupStepsReturnPromptlyWhileTheSourceIsBusyAndGetDone() {
    SourceDisk first;
    Set<String> before;
    try (SourceSession session = openGoodSource()) {
      SourceVm vm = poweredOffKnownVm(session);
      first = vm.disks().get(0);
      before = fixture().sourceArtifacts();
      ExportSession export = session.exporter().begin(vm, ExportSteps.OWNER);
      try {
        export.prepare(first);
      } catch (Throwable failure) {
        ExportSteps.abortAfter(export, failure, fixture());
        throw failure;
      }
      ExportSteps.abort(export, fixture());
      ExportSteps.awaitArtifacts(fixture(), before, "abortStep() while the source was busy");
    }

    List<SourceArtifact> leftovers;
    try (SourceSession dying = openGoodSource()) {
      SourceVm vm = describe(dying, fixture().knownVm());
      ExportSession export = dying.exporter().begin(vm, ExportSteps.OWNER);
      export.prepare(first);
      leftovers = export.artifacts();
    }
    try (SourceSession next = openGoodSource()) {
      ExportSteps.release(next.exporter(), leftovers, ExportSteps.OWNER, fixture());
      ExportSteps.awaitArtifacts(fixture(), before, "releaseStep() while the source was busy");
    }
  }

  /**
   * A process that dies mid-export never ends its export. Core keeps what {@link
   * ExportSession#artifacts()} reports in the import's checkpoint and hands it to {@link
   * io.vmimport.api.source.DiskExporter#releaseStep} in the next process. So whatever the export
   * has made on the source must be listed, and a new session must remove it, also when it is gone
   * already. Here the dying session is closed without either call, the nearest a test in one JVM
   * gets to a process killed after preparing every disk.
   */
  @Test
  void whatADeadExportLeftIsReleasedByTheNextSession() {
    Set<String> before;
    Set<String> made;
    List<SourceArtifact> leftovers;
    try (SourceSession dying = openGoodSource()) {
      SourceVm vm = poweredOffKnownVm(dying);
      before = fixture().sourceArtifacts();
      ExportSession export = dying.exporter().begin(vm, ExportSteps.OWNER);
      for (SourceDisk disk : vm.disks()) {
        ExportSteps.awaitPrepared(export, disk, timeout());
      }
      leftovers = export.artifacts();
      made = new TreeSet<>(fixture().sourceArtifacts());
      made.removeAll(before);
    }
    if (!made.isEmpty()) {
      assertThat(leftovers)
          .as("artifacts() of an export that made %s on the source", made)
          .isNotEmpty();
    }

    try (SourceSession next = openGoodSource()) {
      ExportSteps.release(next.exporter(), leftovers, ExportSteps.OWNER, fixture());
      ExportSteps.awaitArtifacts(fixture(), before, "releaseStep() in the next session");
      // a second process may die too: what is gone already counts as released
      ExportSteps.release(next.exporter(), leftovers, ExportSteps.OWNER, fixture());
      ExportSteps.release(next.exporter(), List.of(), ExportSteps.OWNER, fixture());
    }
  }

  /**
   * Issue #13, point 5: the leftovers {@code releaseStep} gets come from a checkpoint, which a user
   * can write. What another import's export made must stay on the source when this import asks to
   * release it, and be reported as not this import's; its own import can still release it.
   */
  @Test
  void releaseLeavesWhatAnotherImportsExportMadeInPlace() {
    Set<String> before;
    List<SourceArtifact> leftovers;
    try (SourceSession dying = openGoodSource()) {
      SourceVm vm = poweredOffKnownVm(dying);
      before = fixture().sourceArtifacts();
      ExportSession export = dying.exporter().begin(vm, ExportSteps.OWNER);
      for (SourceDisk disk : vm.disks()) {
        ExportSteps.awaitPrepared(export, disk, timeout());
      }
      leftovers = export.artifacts();
    }
    // what outlived the dying session (a lease may end with it; a volume does not)
    Set<String> outlived = new TreeSet<>(fixture().sourceArtifacts());
    outlived.removeAll(before);

    try (SourceSession next = openGoodSource()) {
      List<UnownedArtifact> unowned =
          ExportSteps.release(next.exporter(), leftovers, ExportSteps.OTHER_OWNER, fixture());

      assertThat(fixture().sourceArtifacts())
          .as("artifacts on the source after another import released what %s made", OWNER_TEXT)
          .containsAll(outlived);
      if (!outlived.isEmpty()) {
        assertThat(unowned)
            .as("what releaseStep() reports as not the asking import's (%s remain)", outlived)
            .isNotEmpty();
        assertThat(unowned.stream().map(UnownedArtifact::artifact).toList())
            .as("reported artifacts are among those asked about")
            .isSubsetOf(leftovers);
      }

      ExportSteps.release(next.exporter(), leftovers, ExportSteps.OWNER, fixture());
      ExportSteps.awaitArtifacts(fixture(), before, "releaseStep() by the import that made them");
    }
  }

  /**
   * A checkpoint naming something no export made (the fixture's {@link
   * ProviderFixture#foreignArtifact()}, e.g. a volume created by hand): release leaves it in place
   * and reports it.
   */
  @Test
  void releaseLeavesAForeignArtifactInPlaceAndReportsIt() {
    Optional<SourceArtifact> foreign = fixture().foreignArtifact();
    assumeTrue(
        foreign.isPresent(), "the fixture has no foreign artifact: its exports leave nothing");
    Set<String> before = fixture().sourceArtifacts();
    try (SourceSession session = openGoodSource()) {
      List<UnownedArtifact> unowned =
          ExportSteps.release(
              session.exporter(), List.of(foreign.get()), ExportSteps.OWNER, fixture());

      assertThat(fixture().sourceArtifacts())
          .as("artifacts on the source after releasing %s", foreign.get())
          .isEqualTo(before);
      assertThat(unowned.stream().map(UnownedArtifact::artifact).toList())
          .as("what releaseStep() reports as not the asking import's")
          .containsExactly(foreign.get());
    }
  }

  /**
   * Reads a first chunk on {@code readerThread}, closes the stream from this thread while the
   * reader holds it, then lets the reader continue: its reads must end or fail promptly.
   */
  private CancelledRead readUntilClosedElsewhere(DiskStream stream, ExecutorService readerThread)
      throws Exception {
    CountDownLatch firstChunkRead = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    Future<CancelledRead> reader =
        readerThread.submit(
            () -> {
              byte[] buffer = new byte[PARTIAL_READ_BYTES];
              int first = stream.input().read(buffer);
              long beforeClose = Math.max(first, 0);
              firstChunkRead.countDown();
              if (!closed.await(timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the test thread did not close the stream");
              }
              long total = beforeClose;
              try {
                for (int n = stream.input().read(buffer);
                    n != -1;
                    n = stream.input().read(buffer)) {
                  total += n;
                }
                return new CancelledRead(beforeClose, total, true);
              } catch (IOException | VmImportException closedStream) {
                // the expected outcome: a read on a closed stream fails
                return new CancelledRead(beforeClose, total, false);
              }
            });
    assertThat(firstChunkRead.await(timeout().toMillis(), TimeUnit.MILLISECONDS))
        .as("the reader got a first chunk within %s", timeout())
        .isTrue();
    stream.close();
    closed.countDown();
    try {
      return reader.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(
          "reading went on for " + timeout() + " after the stream was closed from another thread",
          e);
    }
  }

  private SourceVm poweredOffKnownVm(SourceSession session) {
    SourceVm vm = describe(session, fixture().knownVm());
    ExportSteps.powerOff(session, vm, timeout());
    return vm;
  }

  private Duration timeout() {
    return fixture().timeout();
  }

  private record ExportedDisk(SourceDisk disk, DiskFormat format, Path file) {
    ExportedDisk {
      requireNonNull(disk, "disk is null");
      requireNonNull(format, "format is null");
      requireNonNull(file, "file is null");
    }
  }

  /**
   * @param endedNormally the reads after the close reached end of stream instead of failing
   */
  private record CancelledRead(long bytesBeforeClose, long bytesTotal, boolean endedNormally) {}
}
