package io.vmimport.api.guest;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a conversion ended.
 *
 * @param os the operating system the converter found, when it got that far
 * @param changes what the conversion changed in the guest, in the converter's words (empty unless
 *     {@link Outcome#CONVERTED})
 * @param reason why it failed or declined; a short summary otherwise
 * @param logTail the last lines of the converter's log when it failed; empty otherwise
 * @param took how long it ran
 */
public record GuestConversionResult(
    Outcome outcome,
    Optional<GuestOs> os,
    List<String> changes,
    String reason,
    List<String> logTail,
    Duration took) {
  public enum Outcome {
    /** The guest was converted and the disks now hold the converted guest. */
    CONVERTED,
    /** The converter found nothing it can convert; the disks are unchanged. */
    DECLINED,
    /** The conversion failed or timed out; the disks are unchanged. */
    FAILED
  }

  public GuestConversionResult {
    requireNonNull(outcome, "outcome is null");
    requireNonNull(os, "os is null");
    changes = List.copyOf(requireNonNull(changes, "changes is null"));
    requireNonNull(reason, "reason is null");
    logTail = List.copyOf(requireNonNull(logTail, "logTail is null"));
    requireNonNull(took, "took is null");
  }
}
