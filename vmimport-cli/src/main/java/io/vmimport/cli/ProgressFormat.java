package io.vmimport.cli;

import io.vmimport.api.HumanDuration;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.ImportCondition;
import java.time.Duration;
import java.util.Locale;

/** How progress reads, the same in plain lines and on the terminal. */
final class ProgressFormat {
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

  private ProgressFormat() {}

  /** {@code 1536} → {@code 1.5 KiB}. */
  static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    double value = bytes;
    int unit = 0;
    while (value >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
  }

  static String rate(double bytesPerSecond) {
    return bytes(Math.round(bytesPerSecond)) + "/s";
  }

  /** Percent done, or -1 when the total is unknown. */
  static int percent(DiskProgress progress) {
    if (progress.total() <= 0) {
      return -1;
    }
    return (int) Math.min(100, Math.max(0, progress.done() * 100 / progress.total()));
  }

  static String stage(DiskProgress.Stage stage) {
    return stage.name().toLowerCase(Locale.ROOT);
  }

  /** e.g. {@code exporting 45% (4.5 GiB of 10.0 GiB, 120.3 MiB/s, 47 s left)}. */
  static String describe(DiskProgress progress) {
    int percent = percent(progress);
    return switch (progress.stage()) {
      case PREPARING -> "preparing on the source";
      case EXPORTING ->
          percent >= 0
              ? "exporting "
                  + percent
                  + "% ("
                  + bytes(progress.done())
                  + " of "
                  + bytes(progress.total())
                  + rateSuffix(progress)
                  + timeLeft(progress)
                  + ")"
              : "exporting "
                  + bytes(progress.done())
                  + " (size unknown"
                  + rateSuffix(progress)
                  + ")";
      case CONVERTING -> "converting " + Math.max(percent, 0) + "%";
      case PUBLISHING -> "publishing";
      case DONE -> "done (" + bytes(progress.done()) + ")";
    };
  }

  static String condition(ImportCondition condition) {
    return condition.type().wireValue()
        + "="
        + (condition.status() ? "True" : "False")
        + " ("
        + condition.reason()
        + "): "
        + condition.message();
  }

  private static String rateSuffix(DiskProgress progress) {
    return progress.bytesPerSecond() > 0 ? ", " + rate(progress.bytesPerSecond()) : "";
  }

  /** {@code , 1 min 30 s left} at the average rate so far; empty when unknown or done. */
  static String timeLeft(DiskProgress progress) {
    if (progress.total() <= 0
        || progress.bytesPerSecond() <= 0
        || progress.done() >= progress.total()) {
      return "";
    }
    long seconds =
        (long) Math.ceil((progress.total() - progress.done()) / progress.bytesPerSecond());
    return ", " + HumanDuration.format(Duration.ofSeconds(seconds)) + " left";
  }
}
