package io.vmimport.api.source;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Result of one step of ending an export ({@link ExportSession#completeStep()}, {@link
 * ExportSession#abortStep()}). Like a {@link Preparation}, a step does what can be done on the
 * source now (a delete, a status read) and returns; when the source must first finish something (a
 * volume still uploading cannot be deleted yet), the step says so and core calls again after {@code
 * retryAfter} (capped by core), until the step says done. Core, not the provider, waits: so a
 * provider never sleeps, and a cancel cannot cut a cleanup short in the middle of a wait.
 *
 * @param isDone the export has ended and nothing it made is left on the source
 * @param retryAfter when to call again; ignored once done
 * @param detail what the source is doing, for logs and messages (e.g. "volume v-1 uploading")
 */
public record CleanupStep(boolean isDone, Duration retryAfter, String detail) {
  private static final CleanupStep DONE = new CleanupStep(true, Duration.ZERO, "done");

  public CleanupStep {
    requireNonNull(retryAfter, "retryAfter is null");
    requireNonNull(detail, "detail is null");
    if (retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter is negative: " + retryAfter);
    }
  }

  public static CleanupStep done() {
    return DONE;
  }

  /** More is left; {@link Duration#ZERO} when the next step can follow at once. */
  public static CleanupStep pending(Duration retryAfter, String detail) {
    return new CleanupStep(false, retryAfter, detail);
  }
}
