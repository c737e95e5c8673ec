package io.vmimport.converter.qemu;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The last few lines of a process's output, for error messages. Bounded because {@code qemu-img
 * check} can print one line per damaged cluster, thousands in all.
 */
final class LineTail {
  private static final int MAX_LINE_CHARS = 400;

  private final int capacity;
  private final ArrayDeque<String> lines;

  LineTail(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    this.lines = new ArrayDeque<>(capacity);
  }

  synchronized void add(String line) {
    if (lines.size() == capacity) {
      lines.removeFirst();
    }
    lines.addLast(
        line.length() > MAX_LINE_CHARS ? line.substring(0, MAX_LINE_CHARS) + "..." : line);
  }

  synchronized List<String> lines() {
    return List.copyOf(lines);
  }

  /** The lines on one line, so that the text fits a status condition or a log line. */
  String joined() {
    return String.join("; ", lines());
  }
}
