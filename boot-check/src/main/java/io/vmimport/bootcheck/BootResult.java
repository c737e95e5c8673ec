package io.vmimport.bootcheck;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a boot ended, what decided it, and what the guest reported if it booted.
 *
 * @param evidence the serial console line that decided the outcome, or why there was none
 */
public record BootResult(
    Outcome outcome,
    Duration elapsed,
    String evidence,
    Optional<GuestReport> report,
    Path serialLog,
    List<String> command) {

  public enum Outcome {
    /** The guest printed its marker: multi-user reached, {@code /} writable. */
    BOOTED,
    /** A failure signature: initramfs shell, panic, emergency mode, no boot device. */
    FAILED,
    /** Neither marker nor failure within the timeout. */
    TIMED_OUT,
    /** QEMU ended by itself (bad command line, guest powered off or rebooted). */
    QEMU_EXITED
  }

  public BootResult {
    requireNonNull(outcome, "outcome is null");
    requireNonNull(elapsed, "elapsed is null");
    requireNonNull(evidence, "evidence is null");
    requireNonNull(report, "report is null");
    requireNonNull(serialLog, "serialLog is null");
    command = List.copyOf(command);
  }

  public boolean booted() {
    return outcome == Outcome.BOOTED;
  }

  /** For assertion messages: the outcome, the deciding line, the command and the console's end. */
  public String describe() {
    String tail;
    try {
      List<String> lines =
          Files.readString(serialLog, StandardCharsets.ISO_8859_1).lines().toList();
      tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
    } catch (IOException e) {
      tail = "(serial log unreadable: " + e.getMessage() + ")";
    }
    return outcome
        + " after "
        + elapsed.toSeconds()
        + " s: "
        + evidence
        + "\ncommand: "
        + String.join(" ", command)
        + "\nlast lines of "
        + serialLog
        + ":\n"
        + tail;
  }
}
