package io.vmimport.api.source;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Result of one preparation step of a disk export. Core calls {@link ExportSession#prepare} again
 * after {@code retryAfter} (capped by core at one minute) until it is ready.
 *
 * @param isReady whether the disk can be opened now
 * @param detail what the source is doing, for progress messages (e.g. "volume snapshot creating")
 */
public record Preparation(boolean isReady, Duration retryAfter, String detail) {
  private static final Preparation READY = new Preparation(true, Duration.ZERO, "ready");

  public Preparation {
    requireNonNull(retryAfter, "retryAfter is null");
    requireNonNull(detail, "detail is null");
  }

  public static Preparation ready() {
    return READY;
  }

  public static Preparation pending(Duration retryAfter, String detail) {
    return new Preparation(false, retryAfter, detail);
  }
}
