package io.vmimport.api.source;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * Result of one step of {@link DiskExporter#releaseStep}: what is still to be released, which core
 * hands to the next step after {@code retryAfter} (and keeps in the import's checkpoint meanwhile,
 * so that a process that dies mid-release leaves the next one only the rest), and what this step
 * found not to be the owner's and left in place. Done when nothing remains.
 *
 * @param remaining the leftovers still to release, oldest first, as the next step takes them
 * @param unowned what this step left in place as not the owner's; core warns of each and forgets it
 * @param retryAfter when to call again; ignored once done
 * @param detail what the source is doing, for logs and messages
 */
public record ReleaseStep(
    List<SourceArtifact> remaining,
    List<UnownedArtifact> unowned,
    Duration retryAfter,
    String detail) {
  public ReleaseStep {
    remaining = List.copyOf(requireNonNull(remaining, "remaining is null"));
    unowned = List.copyOf(requireNonNull(unowned, "unowned is null"));
    requireNonNull(retryAfter, "retryAfter is null");
    requireNonNull(detail, "detail is null");
    if (retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter is negative: " + retryAfter);
    }
  }

  /** Everything released, except {@code unowned}, left in place. */
  public static ReleaseStep done(List<UnownedArtifact> unowned) {
    return new ReleaseStep(List.of(), unowned, Duration.ZERO, "done");
  }

  /** {@code remaining} (not empty) is left for the next step, after {@code retryAfter}. */
  public static ReleaseStep pending(
      List<SourceArtifact> remaining,
      List<UnownedArtifact> unowned,
      Duration retryAfter,
      String detail) {
    if (remaining.isEmpty()) {
      throw new IllegalArgumentException("a pending release has something remaining");
    }
    return new ReleaseStep(remaining, unowned, retryAfter, detail);
  }

  public boolean isDone() {
    return remaining.isEmpty();
  }
}
