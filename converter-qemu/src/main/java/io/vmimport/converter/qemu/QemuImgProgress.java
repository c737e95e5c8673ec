package io.vmimport.converter.qemu;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.convert.ProgressListener;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the lines {@code qemu-img convert -p} prints, such as {@code " (12.34/100%)"}, into whole
 * percentages for a {@link ProgressListener}. Reports only increases, and holds 100 back until
 * {@link #complete()}: qemu-img prints 100% before it has flushed and exited, and the target is
 * only in place after that.
 */
final class QemuImgProgress {
  static final long TOTAL = 100;

  private static final Pattern LINE = Pattern.compile("\\s*\\((\\d{1,3})(?:\\.\\d*)?/100%\\)\\s*");

  private final ProgressListener listener;
  private long reported = -1;

  QemuImgProgress(ProgressListener listener) {
    this.listener = requireNonNull(listener, "listener is null");
  }

  /** The whole percentage in one progress line, or empty for any other line. */
  static OptionalLong percent(String line) {
    Matcher matcher = LINE.matcher(line);
    if (!matcher.matches()) {
      return OptionalLong.empty();
    }
    long percent = Long.parseLong(matcher.group(1));
    return percent > TOTAL ? OptionalLong.empty() : OptionalLong.of(percent);
  }

  /** Handles one line of qemu-img's stdout. */
  void accept(String line) {
    OptionalLong percent = percent(line);
    if (percent.isPresent()) {
      report(Math.min(percent.getAsLong(), TOTAL - 1));
    }
  }

  /** Reports 100%, once. */
  void complete() {
    report(TOTAL);
  }

  private void report(long percent) {
    if (percent > reported) {
      reported = percent;
      listener.progress(percent, TOTAL);
    }
  }
}
