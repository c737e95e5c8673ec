package io.vmimport.core;

import java.time.Duration;
import java.time.Instant;

/** The engine's view of time, so that tests can run timeouts without waiting for them. */
public interface TimeSource {
  TimeSource SYSTEM =
      new TimeSource() {
        @Override
        public Instant now() {
          return Instant.now();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
          Thread.sleep(duration.toMillis());
        }
      };

  Instant now();

  void sleep(Duration duration) throws InterruptedException;
}
