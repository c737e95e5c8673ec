package io.vmimport.core.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.core.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/** Polling with a deadline, on the engine's time source. */
public final class Deadline {
  private Deadline() {}

  /**
   * Polls {@code done} every {@code interval} until it is true or {@code timeout} has passed.
   *
   * @return whether {@code done} became true in time
   */
  public static boolean await(
      TimeSource time, Duration timeout, Duration interval, BooleanSupplier done) {
    Instant end = time.now().plus(timeout);
    while (true) {
      if (done.getAsBoolean()) {
        return true;
      }
      Instant now = time.now();
      if (!now.isBefore(end)) {
        return false;
      }
      Duration left = Duration.between(now, end);
      sleep(time, left.compareTo(interval) < 0 ? left : interval);
    }
  }

  /** Sleeps; an interrupt becomes {@code CANCELLED}, with the interrupt flag kept. */
  public static void sleep(TimeSource time, Duration duration) {
    try {
      time.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VmImportException(ErrorCode.CANCELLED, "import cancelled", e);
    }
  }
}
