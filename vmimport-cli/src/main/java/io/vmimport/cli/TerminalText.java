package io.vmimport.cli;

/**
 * Text from outside vmimport (VM and disk names from the source, names from the file, error
 * messages that quote either) made safe to print on a terminal. A control character in a value
 * could otherwise move the cursor, clear lines or start a new line, and so forge or hide output: a
 * VM named {@code "web\u001b[2K\rvalid"} would erase its own line and print "valid".
 *
 * <p>Every line vmimport prints with such values goes through {@link #escape}; JSON output is
 * escaped by Jackson already.
 */
final class TerminalText {
  private TerminalText() {}

  /**
   * {@code text} with every control character (C0 including tab, CR and LF; DEL; C1; the Unicode
   * line and paragraph separators) written as an escape: {@code \n}, {@code \r}, {@code \t}, or
   * {@code \u001b} for the others. A printed line therefore stays one line with nothing hidden.
   */
  static String escape(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!isControl(c)) {
        if (out != null) {
          out.append(c);
        }
        continue;
      }
      if (out == null) {
        out = new StringBuilder(text.length() + 16).append(text, 0, i);
      }
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> out.append(String.format("\\u%04x", (int) c));
      }
    }
    return out == null ? text : out.toString();
  }

  private static boolean isControl(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
  }
}
