package io.vmimport.cli;

import io.vmimport.api.event.ImportListener;
import java.io.PrintWriter;

/** Shows the progress of imports on stdout; warnings go to stderr. */
interface ProgressReporter extends ImportListener {
  /**
   * A redrawn bar per disk when stdout is a terminal that understands cursor movement, plain
   * throttled lines otherwise (pipes, files, CI logs).
   */
  static ProgressReporter create(PrintWriter out, PrintWriter err) {
    String term = System.getenv("TERM");
    boolean terminal = System.console() != null && !"dumb".equals(term);
    return terminal
        ? new TerminalProgress(out, err, System::nanoTime, terminalWidth())
        : new PlainProgress(out, err, System::nanoTime);
  }

  /** Ends the output of one import, before its result is printed. */
  void finish();

  private static int terminalWidth() {
    String columns = System.getenv("COLUMNS");
    if (columns != null && columns.matches("\\d{2,4}")) {
      return Integer.parseInt(columns);
    }
    return 80;
  }
}
