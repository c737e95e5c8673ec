package io.vmimport.api;

import java.time.Duration;

/** Durations as people read them in messages: {@code 2 s}, {@code 1 min 30 s}, {@code 6 h}. */
public final class HumanDuration {
  private HumanDuration() {}

  /**
   * The two largest units that are not zero, rounded down; below a second in milliseconds. Negative
   * durations are shown with a minus sign.
   */
  public static String format(Duration duration) {
    if (duration.isNegative()) {
      return "-" + format(duration.negated());
    }
    long millis = duration.toMillis();
    if (millis < 1000) {
      return millis + " ms";
    }
    long seconds = duration.toSeconds();
    long[] amounts = {seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60};
    String[] units = {"d", "h", "min", "s"};
    StringBuilder text = new StringBuilder();
    int shown = 0;
    for (int i = 0; i < amounts.length && shown < 2; i++) {
      if (amounts[i] == 0) {
        if (shown > 0) {
          break; // "1 h 0 min 5 s" reads better as "1 h"
        }
        continue;
      }
      if (shown > 0) {
        text.append(' ');
      }
      text.append(amounts[i]).append(' ').append(units[i]);
      shown++;
    }
    return text.toString();
  }
}
