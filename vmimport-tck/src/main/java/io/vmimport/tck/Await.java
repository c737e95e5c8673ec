package io.vmimport.tck;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polls a condition until a deadline, backing off, so no test relies on a fixed sleep. */
final class Await {
  private static final long FIRST_PAUSE_MILLIS = 10;
  private static final long MAX_PAUSE_MILLIS = 250;

  private Await() {}

  /**
   * Probes until {@code done} accepts the value and returns that value.
   *
   * @throws AssertionError naming {@code what} and the last value when the deadline passes
   */
  static <T> T until(String what, Duration timeout, Supplier<T> probe, Predicate<? super T> done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = FIRST_PAUSE_MILLIS;
    T value = probe.get();
    while (!done.test(value)) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "waited " + timeout + " for " + what + "; last observed: " + value);
      }
      pause(what, pause);
      pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
      value = probe.get();
    }
    return value;
  }

  /** Sleeps, turning an interrupt into a test failure that keeps the interrupt flag. */
  static void pause(String what, long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for " + what, e);
    }
  }
}
