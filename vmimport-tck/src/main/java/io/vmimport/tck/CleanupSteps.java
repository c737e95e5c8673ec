package io.vmimport.tck;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.CleanupStep;
import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.ReleaseStep;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.UnownedArtifact;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Ends exports and releases leftovers the way core does, for the suites and for a provider's own
 * tests: calls {@link ExportSession#completeStep()}, {@link ExportSession#abortStep()} or {@link
 * DiskExporter#releaseStep} until done, pausing what each step asks (at most a second, so tests do
 * not idle). Every step must return within the step limit: a step that takes longer is waiting on
 * the source, which is core's job; and the steps must be done within the timeout.
 *
 * <pre>{@code
 * CleanupSteps cleanup = CleanupSteps.within(Duration.ofMinutes(2));
 * cleanup.abort(export);
 * List<UnownedArtifact> unowned = cleanup.release(session.exporter(), leftovers, owner);
 * }</pre>
 */
public final class CleanupSteps {
  /** The step limit unless one is given: far above a remote call, far below a wait. */
  public static final Duration DEFAULT_STEP_LIMIT = Duration.ofSeconds(20);

  private static final Duration MIN_PAUSE = Duration.ofMillis(10);
  private static final Duration MAX_PAUSE = Duration.ofSeconds(1);

  private final Duration timeout;
  private final Duration stepLimit;

  private CleanupSteps(Duration timeout, Duration stepLimit) {
    this.timeout = requireNonNull(timeout, "timeout is null");
    this.stepLimit = requireNonNull(stepLimit, "stepLimit is null");
  }

  /** Steps that must be done within {@code timeout}, each within {@link #DEFAULT_STEP_LIMIT}. */
  public static CleanupSteps within(Duration timeout) {
    return new CleanupSteps(timeout, DEFAULT_STEP_LIMIT);
  }

  /** The same, with each step limited to {@code limit}. */
  public CleanupSteps stepLimit(Duration limit) {
    return new CleanupSteps(timeout, limit);
  }

  /** Ends a successful export: {@link ExportSession#completeStep()} until done. */
  public void complete(ExportSession export) {
    drive("completeStep()", export::completeStep);
  }

  /** Ends a failed export: {@link ExportSession#abortStep()} until done. */
  public void abort(ExportSession export) {
    drive("abortStep()", export::abortStep);
  }

  /**
   * Releases {@code leftovers}: {@link DiskExporter#releaseStep} until nothing remains, each step
   * given what the one before left.
   *
   * @return what the steps left in place as not {@code owner}'s, in the order they reported it
   */
  public List<UnownedArtifact> release(
      DiskExporter exporter, List<SourceArtifact> leftovers, ArtifactOwner owner) {
    List<UnownedArtifact> unowned = new ArrayList<>();
    AtomicReference<List<SourceArtifact>> remaining = new AtomicReference<>(leftovers);
    drive(
        "releaseStep(" + leftovers + ")",
        () -> {
          ReleaseStep step = exporter.releaseStep(remaining.get(), owner);
          unowned.addAll(step.unowned());
          remaining.set(step.remaining());
          return step.isDone()
              ? CleanupStep.done()
              : CleanupStep.pending(step.retryAfter(), step.detail());
        });
    return unowned;
  }

  private void drive(String what, Supplier<CleanupStep> next) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long start = System.nanoTime();
      CleanupStep step = next.get();
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      if (took.compareTo(stepLimit) > 0) {
        throw new AssertionError(
            what
                + " took "
                + took.toMillis()
                + " ms for one step (\""
                + step.detail()
                + "\"); a cleanup step does what the source allows now and returns, leaving the"
                + " waiting to core (step limit "
                + stepLimit.toMillis()
                + " ms)");
      }
      if (step.isDone()) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            what + " not done after " + timeout + "; last step: " + step.detail());
      }
      Duration pause = step.retryAfter();
      if (pause.compareTo(MIN_PAUSE) < 0) {
        pause = MIN_PAUSE;
      } else if (pause.compareTo(MAX_PAUSE) > 0) {
        pause = MAX_PAUSE;
      }
      Await.pause(what + " to be done", pause.toMillis());
    }
  }
}
