package io.vmimport.cli;

import java.util.Arrays;
import picocli.CommandLine;

/** Entry point of the {@code vmimport} command. */
public final class Main {
  static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

  private Main() {}

  public static void main(String[] args) {
    configureLogging(
        Arrays.asList(args).contains("-v") || Arrays.asList(args).contains("--verbose"));
    System.exit(commandLine().execute(args));
  }

  /**
   * slf4j-simple reads its settings when the first logger is created, so this runs before anything
   * that logs: WARN to stderr unless {@code --verbose} (INFO) or the user set a level with {@code
   * -D}.
   */
  static void configureLogging(boolean verbose) {
    if (verbose) {
      System.setProperty(LOG_LEVEL, "info");
    } else if (System.getProperty(LOG_LEVEL) == null) {
      System.setProperty(LOG_LEVEL, "warn");
    }
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
    System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
  }

  /** The command line with vmimport's error handling, for {@link #main} and tests. */
  static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new VmimportCommand());
    commandLine.setExecutionExceptionHandler(ExitCodes.handler());
    return commandLine;
  }
}
