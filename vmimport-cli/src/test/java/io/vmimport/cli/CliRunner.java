package io.vmimport.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import picocli.CommandLine;

/** Runs {@code vmimport} in this JVM through picocli, capturing what it prints. */
final class CliRunner {
  record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private CliRunner() {}

  /** {@code vmimport import -f resources --output-dir out} and any further options. */
  static Result importInto(Path resources, Path out, String... options) {
    String[] args = new String[5 + options.length];
    args[0] = "import";
    args[1] = "-f";
    args[2] = resources.toString();
    args[3] = "--output-dir";
    args[4] = out.toString();
    System.arraycopy(options, 0, args, 5, options.length);
    return run(args);
  }

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = Main.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new Result(exitCode, out.toString(), err.toString());
  }
}
