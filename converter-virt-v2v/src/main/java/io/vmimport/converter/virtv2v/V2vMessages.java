package io.vmimport.converter.virtv2v;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what {@code virt-v2v-in-place --machine-readable} prints on stdout: one JSON object per
 * status message ({@code {"message": "...", "timestamp": "...", "type": "message|warning|info"}}),
 * each followed by the same message for people ({@code [ 82.8] Converting ...}), which is skipped.
 * Progress bars ({@code 12/100}) appear only when virt-v2v copies, which in-place never does.
 */
final class V2vMessages {
  private static final Pattern JSON_FIELD =
      Pattern.compile("\"(message|type)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern CONVERTING = Pattern.compile("^Converting (.+) to run on KVM$");

  /**
   * The stages of an in-place conversion and where each starts, in percent of the whole, measured
   * on the Debian test guest under TCG on a loaded machine: appliance start 54 s, inspection 27 s,
   * conversion (mostly the initramfs rebuild) 433 s, the rest 18 s of 534 s.
   */
  private static final List<Stage> STAGES =
      List.of(
          new Stage("Setting up the source", 1),
          new Stage("Opening the source", 2),
          new Stage("Inspecting the source", 11),
          new Stage("Checking for sufficient free disk space", 15),
          new Stage("Converting ", 16),
          new Stage("This guest has virtio drivers installed", 96),
          new Stage("Mapping filesystem data", 96),
          new Stage("Closing the overlay", 98),
          new Stage("Assigning disks to buses", 99),
          new Stage("Checking if the guest needs BIOS or UEFI", 99),
          new Stage("Finishing off", 99));

  private record Stage(String prefix, int percent) {}

  /** One status message. */
  record Message(String type, String text) {
    /** Where the conversion is when this message arrives, if it starts a known stage. */
    Optional<Integer> percent() {
      return STAGES.stream()
          .filter(s -> text.startsWith(s.prefix()))
          .map(Stage::percent)
          .findFirst();
    }

    /** The product name in "Converting Debian GNU/Linux 12 to run on KVM". */
    Optional<String> convertingProduct() {
      Matcher m = CONVERTING.matcher(text);
      return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    boolean warning() {
      return type.equals("warning");
    }
  }

  private V2vMessages() {}

  /** The message a line of stdout carries; empty for the human copy and anything else. */
  static Optional<Message> parse(String line) {
    String trimmed = line.strip();
    if (!trimmed.startsWith("{")) {
      return Optional.empty();
    }
    String message = null;
    String type = "message";
    Matcher m = JSON_FIELD.matcher(trimmed);
    while (m.find()) {
      if (m.group(1).equals("message")) {
        message = unescape(m.group(2));
      } else {
        type = m.group(2);
      }
    }
    return message == null ? Optional.empty() : Optional.of(new Message(type, message));
  }

  static List<Message> parseAll(List<String> lines) {
    List<Message> messages = new ArrayList<>();
    lines.forEach(line -> parse(line).ifPresent(messages::add));
    return messages;
  }

  private static String unescape(String json) {
    StringBuilder out = new StringBuilder(json.length());
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c != '\\' || i + 1 == json.length()) {
        out.append(c);
        continue;
      }
      char next = json.charAt(++i);
      switch (next) {
        case 'n' -> out.append(' ');
        case 't' -> out.append(' ');
        case 'r' -> {}
        case 'u' -> {
          if (i + 4 < json.length()) {
            out.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16));
            i += 4;
          }
        }
        default -> out.append(next);
      }
    }
    return out.toString();
  }
}
