package io.vmimport.core.internal;

import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.ImportListener;
import io.vmimport.api.model.ImportRef;
import io.vmimport.core.TimeSource;
import java.time.Duration;
import java.time.Instant;

/**
 * Turns byte counts of one disk stage into throttled {@link DiskProgress} events with a rate, so
 * that listeners see steady progress without an event per buffer.
 */
final class ProgressMeter {
  private static final Duration MIN_INTERVAL = Duration.ofMillis(250);

  private final ImportListener listener;
  private final ImportRef ref;
  private final String diskName;
  private final DiskProgress.Stage stage;
  private final long total;
  private final TimeSource time;
  private final Instant start;
  private Instant lastEmit;

  ProgressMeter(
      ImportListener listener,
      ImportRef ref,
      String diskName,
      DiskProgress.Stage stage,
      long total,
      TimeSource time) {
    this.listener = listener;
    this.ref = ref;
    this.diskName = diskName;
    this.stage = stage;
    this.total = total;
    this.time = time;
    this.start = time.now();
    this.lastEmit = Instant.MIN;
  }

  void update(long done) {
    update(done, done);
  }

  /**
   * @param sourceBytes bytes read from the source so far, when {@code done} measures something else
   *     (how far into the disk a compressed stream has come)
   */
  void update(long done, long sourceBytes) {
    Instant now = time.now();
    if (done != total && Duration.between(lastEmit, now).compareTo(MIN_INTERVAL) < 0) {
      return;
    }
    emit(done, sourceBytes, now);
  }

  void finish(long done) {
    finish(done, done);
  }

  void finish(long done, long sourceBytes) {
    emit(done, sourceBytes, time.now());
  }

  private void emit(long done, long sourceBytes, Instant now) {
    lastEmit = now;
    double seconds = Duration.between(start, now).toNanos() / 1e9;
    double rate = stage == DiskProgress.Stage.EXPORTING && seconds > 0 ? done / seconds : 0.0;
    listener.diskProgress(ref, new DiskProgress(diskName, stage, done, total, rate, sourceBytes));
  }
}
