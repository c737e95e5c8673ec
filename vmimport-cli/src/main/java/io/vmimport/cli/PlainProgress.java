package io.vmimport.cli;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ImportPhase;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.ImportCondition;
import io.vmimport.api.model.ImportRef;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Progress as plain lines, for logs and pipes: every phase change and condition, and per disk a
 * line at each stage change, each further 10 %, and at least every 5 s while bytes move.
 */
final class PlainProgress implements ProgressReporter {
  static final long INTERVAL_NANOS = Duration.ofSeconds(5).toNanos();

  private final PrintWriter out;
  private final PrintWriter err;
  private final LongSupplier nanoTime;
  private final Map<String, Shown> shown = new HashMap<>();

  /** What was last printed for one disk. */
  private record Shown(DiskProgress.Stage stage, long tenth, long done, long at) {}

  PlainProgress(PrintWriter out, PrintWriter err, LongSupplier nanoTime) {
    this.out = requireNonNull(out, "out is null");
    this.err = requireNonNull(err, "err is null");
    this.nanoTime = requireNonNull(nanoTime, "nanoTime is null");
  }

  @Override
  public synchronized void phaseChanged(ImportRef ref, ImportPhase phase, String message) {
    out.println(TerminalText.escape(ref + ": phase: " + phase.wireValue() + " - " + message));
    out.flush();
  }

  @Override
  public synchronized void waiting(ImportRef ref, String reason, String message) {
    out.println(TerminalText.escape(ref + ": " + reason + ": " + message));
    out.flush();
  }

  @Override
  public synchronized void conditionChanged(ImportRef ref, ImportCondition condition) {
    out.println(TerminalText.escape(ref + ": condition: " + ProgressFormat.condition(condition)));
    out.flush();
  }

  @Override
  public synchronized void warning(ImportRef ref, String message) {
    err.println(TerminalText.escape("warning: " + ref + ": " + message));
    err.flush();
  }

  @Override
  public synchronized void diskProgress(ImportRef ref, DiskProgress progress) {
    String key = ref + " " + progress.diskName();
    Shown last = shown.get(key);
    long now = nanoTime.getAsLong();
    long tenth = progress.total() > 0 ? progress.done() * 10 / progress.total() : -1;
    String line;
    if (progress.stage() == DiskProgress.Stage.DONE) {
      if (last != null && last.stage() == DiskProgress.Stage.DONE) {
        return;
      }
      line =
          last == null
              ? "done, converted by an earlier run (" + ProgressFormat.bytes(progress.done()) + ")"
              : ProgressFormat.describe(progress);
    } else {
      boolean show =
          last == null
              || last.stage() != progress.stage()
              || tenth > last.tenth()
              || (now - last.at() >= INTERVAL_NANOS && progress.done() != last.done());
      if (!show) {
        return;
      }
      line = ProgressFormat.describe(progress);
    }
    shown.put(key, new Shown(progress.stage(), tenth, progress.done(), now));
    out.println(TerminalText.escape(ref + " " + progress.diskName() + ": " + line));
    out.flush();
  }

  @Override
  public synchronized void finish() {
    out.flush();
  }
}
