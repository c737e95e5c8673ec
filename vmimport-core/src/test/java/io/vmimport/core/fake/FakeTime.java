package io.vmimport.core.fake;

import io.vmimport.core.TimeSource;
import java.time.Duration;
import java.time.Instant;

/** Time that advances only when someone sleeps, so timeouts run instantly and exactly. */
public final class FakeTime implements TimeSource {
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");

  @Override
  public synchronized Instant now() {
    return now;
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    synchronized (this) {
      now = now.plus(duration);
    }
    // let other threads (disk transfers) move on, as a real sleep would
    Thread.sleep(1);
  }

  /** Moves the clock on without sleeping, as time passing during a read would. */
  public synchronized void advance(Duration duration) {
    now = now.plus(duration);
  }

  public synchronized Duration since(Instant start) {
    return Duration.between(start, now);
  }
}
