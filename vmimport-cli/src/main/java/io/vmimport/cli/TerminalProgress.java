package io.vmimport.cli;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ImportPhase;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.ImportCondition;
import io.vmimport.api.model.ImportRef;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Progress on a terminal: one bar per disk, redrawn in place ({@code \r} and ANSI cursor-up), with
 * phase changes and conditions printed above the bars.
 */
final class TerminalProgress implements ProgressReporter {
  private static final long REDRAW_NANOS = Duration.ofMillis(200).toNanos();
  private static final int BAR = 16;
  private static final String CLEAR_LINE = "\r\033[2K";

  private final PrintWriter out;
  private final PrintWriter err;
  private final LongSupplier nanoTime;
  private final int width;
  private final Map<String, String> lines = new LinkedHashMap<>();
  private final Map<String, DiskProgress.Stage> stages = new LinkedHashMap<>();
  private int drawn;
  private long drawnAt = Long.MIN_VALUE;

  TerminalProgress(PrintWriter out, PrintWriter err, LongSupplier nanoTime, int width) {
    this.out = requireNonNull(out, "out is null");
    this.err = requireNonNull(err, "err is null");
    this.nanoTime = requireNonNull(nanoTime, "nanoTime is null");
    this.width = Math.max(40, width);
  }

  @Override
  public synchronized void phaseChanged(ImportRef ref, ImportPhase phase, String message) {
    above(ref + ": phase: " + phase.wireValue() + " - " + message);
  }

  @Override
  public synchronized void waiting(ImportRef ref, String reason, String message) {
    above(ref + ": " + reason + ": " + message);
  }

  @Override
  public synchronized void conditionChanged(ImportRef ref, ImportCondition condition) {
    above(ref + ": condition: " + ProgressFormat.condition(condition));
  }

  @Override
  public synchronized void warning(ImportRef ref, String message) {
    // stderr is usually the same terminal: clear the bars first, so that they are not garbled
    clearBars();
    err.println(TerminalText.escape("warning: " + ref + ": " + message));
    err.flush();
    redraw();
  }

  @Override
  public synchronized void diskProgress(ImportRef ref, DiskProgress progress) {
    DiskProgress.Stage previous = stages.put(progress.diskName(), progress.stage());
    lines.put(progress.diskName(), line(progress, previous == null));
    long now = nanoTime.getAsLong();
    if (previous != progress.stage() || now - drawnAt >= REDRAW_NANOS) {
      redraw();
      drawnAt = now;
    }
  }

  @Override
  public synchronized void finish() {
    redraw();
    // the bars stay on screen; the next import draws its own below them
    lines.clear();
    stages.clear();
    drawn = 0;
  }

  private String line(DiskProgress progress, boolean first) {
    int percent = ProgressFormat.percent(progress);
    String stage = ProgressFormat.stage(progress.stage());
    String text;
    if (progress.stage() == DiskProgress.Stage.DONE) {
      text =
          String.format(
              "%-8s %-10s [%s] %s%s",
              progress.diskName(),
              stage,
              "#".repeat(BAR),
              ProgressFormat.bytes(progress.done()),
              first ? ", converted by an earlier run" : "");
    } else if (percent >= 0) {
      int filled = percent * BAR / 100;
      String detail =
          progress.stage() == DiskProgress.Stage.EXPORTING
              ? ProgressFormat.bytes(progress.done())
                  + " / "
                  + ProgressFormat.bytes(progress.total())
                  + (progress.bytesPerSecond() > 0
                      ? "  " + ProgressFormat.rate(progress.bytesPerSecond())
                      : "")
              : "";
      text =
          String.format(
              "%-8s %-10s [%s%s] %3d%%  %s",
              progress.diskName(),
              stage,
              "#".repeat(filled),
              ".".repeat(BAR - filled),
              percent,
              detail);
    } else {
      text =
          String.format(
              "%-8s %-10s %s",
              progress.diskName(),
              stage,
              progress.stage() == DiskProgress.Stage.EXPORTING
                  ? ProgressFormat.bytes(progress.done())
                      + (progress.bytesPerSecond() > 0
                          ? "  " + ProgressFormat.rate(progress.bytesPerSecond())
                          : "")
                  : "");
    }
    return fit(TerminalText.escape(text.stripTrailing()));
  }

  /** Prints a message above the bars and draws them again below it. */
  private void above(String message) {
    clearBars();
    // not shortened: a wrapped message scrolls away with the output above the bars
    out.println(TerminalText.escape(message));
    redraw();
  }

  /** Moves to the first bar and clears each line, leaving the cursor on the first bar's line. */
  private void clearBars() {
    if (drawn > 0) {
      out.print("\033[" + drawn + "A");
      for (int i = 0; i < drawn; i++) {
        out.print(CLEAR_LINE + "\n");
      }
      out.print("\033[" + drawn + "A");
      drawn = 0;
    }
  }

  private void redraw() {
    if (drawn > 0) {
      out.print("\033[" + drawn + "A");
    }
    for (String line : lines.values()) {
      out.print(CLEAR_LINE + line + "\n");
    }
    drawn = lines.size();
    out.flush();
  }

  /** Lines wider than the terminal would wrap and break the cursor arithmetic. */
  private String fit(String text) {
    return text.length() < width ? text : text.substring(0, width - 4) + "...";
  }
}
