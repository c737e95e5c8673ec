package io.vmimport.cli;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** The exit codes of {@code vmimport}, documented in every command's help and in README.md. */
final class ExitCodes {
  static final int SUCCESS = 0;

  /** The import or the validation failed. */
  static final int FAILED = 1;

  /** The input is wrong: file, document, Secret, kind or field value; nothing was written. */
  static final int BAD_INPUT = 2;

  /** The source is unreachable, rejected the credentials, or its TLS certificate is not trusted. */
  static final int SOURCE_UNREACHABLE = 3;

  /** Cancelled with Ctrl-C (128 + SIGINT, as shells report it). */
  static final int CANCELLED = 130;

  static final String HEADING = "%nExit codes:%n";

  /** The exit codes as the help footer shows them; {@code %n} is picocli's line break. */
  static final String FOOTER =
      "  0    success%n"
          + "  1    the import or the validation failed (the reason is on stderr)%n"
          + "  2    bad input: unreadable or malformed YAML, a missing document, Secret%n"
          + "       or Secret key, an unknown kind, a wrong field type or value (one%n"
          + "       line on stderr names the document and the field); nothing written%n"
          + "  3    the source is unreachable, rejected the credentials, or its TLS%n"
          + "       certificate is not trusted%n"
          + "  130  cancelled with Ctrl-C; partial files and the artifacts of the export%n"
          + "       on the source were removed";

  private ExitCodes() {}

  /** The exit code for a failure of vmimport or of a provider. */
  static int of(VmImportException e) {
    return of(e.code());
  }

  /** The exit code for a failure with this code, whether import met it or validate found it. */
  static int of(ErrorCode code) {
    return switch (code) {
      case CANCELLED -> CANCELLED;
      case INVALID_SPEC -> BAD_INPUT;
      case SOURCE_UNAVAILABLE, AUTHENTICATION_FAILED, TLS_UNTRUSTED -> SOURCE_UNREACHABLE;
      default -> FAILED;
    };
  }

  /**
   * Prints what escaped a command: a {@link VmImportException} as its one-line message (its code
   * too, unless it is bad input whose message says everything), anything else as a defect with its
   * stack trace.
   */
  static IExecutionExceptionHandler handler() {
    return (Exception e, CommandLine commandLine, ParseResult parseResult) -> {
      PrintWriter err = commandLine.getErr();
      if (e instanceof VmImportException v) {
        err.println(message(v));
        if (commandLine.getCommandSpec().root().userObject() instanceof VmimportCommand top
            && top.verbose()) {
          err.println(stackTrace(v));
        }
        err.flush();
        return of(v);
      }
      err.println(TerminalText.escape("vmimport: internal error: " + e));
      err.println(stackTrace(e));
      err.flush();
      return FAILED;
    };
  }

  /** The line printed for a failure, its control characters escaped. */
  static String message(VmImportException e) {
    int code = of(e);
    return TerminalText.escape(
        code == BAD_INPUT || code == CANCELLED
            ? e.getMessage()
            : e.getMessage() + " (" + e.code() + ")");
  }

  private static String stackTrace(Throwable e) {
    StringWriter out = new StringWriter();
    e.printStackTrace(new PrintWriter(out));
    return out.toString();
  }
}
