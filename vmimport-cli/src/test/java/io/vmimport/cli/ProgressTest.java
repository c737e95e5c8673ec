package io.vmimport.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.ImportPhase;
import io.vmimport.api.event.ConditionType;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.DiskProgress.Stage;
import io.vmimport.api.event.ImportCondition;
import io.vmimport.api.model.ImportRef;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
  static final ImportRef REF = new ImportRef("default", "web", "uid-web");
  static final long MIB = 1 << 20;

  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();
  final AtomicLong now = new AtomicLong();

  /** A name from the source with terminal controls stays on its own line, visibly. */
  @Test
  void controlCharactersInNamesAndMessagesAreEscaped() {
    String disk = "disk\u001b[2K\rdone\nforged";
    PlainProgress plain = new PlainProgress(new PrintWriter(out), new PrintWriter(err), now::get);
    plain.diskProgress(REF, new DiskProgress(disk, Stage.PREPARING, 0, 0, 0));
    plain.phaseChanged(REF, ImportPhase.SOURCE_READY, "VM web\u009b1A\u2028powered off");
    plain.warning(REF, "bad\nline");
    plain.waiting(REF, "Queued", "1 import(s) are exporting from esx\r-1; this one is next");

    assertThat(out.toString().lines())
        .containsExactly(
            "default/web disk\\u001b[2K\\rdone\\nforged: preparing on the source",
            "default/web: phase: sourceReady - VM web\\u009b1A\\u2028powered off",
            "default/web: Queued: 1 import(s) are exporting from esx\\r-1; this one is next");
    assertThat(err.toString()).isEqualTo("warning: default/web: bad\\nline\n");

    StringWriter terminal = new StringWriter();
    TerminalProgress bars =
        new TerminalProgress(new PrintWriter(terminal), new PrintWriter(err), now::get, 120);
    bars.diskProgress(REF, new DiskProgress(disk, Stage.PREPARING, 0, 0, 0));
    bars.finish();

    assertThat(terminal.toString())
        .contains("disk\\u001b[2K\\rdone\\nforged")
        .doesNotContain("\u001b[2K\rdone");
  }

  @Test
  void plainLinesAreThrottledToTenPercentStepsOrFiveSeconds() {
    PlainProgress progress =
        new PlainProgress(new PrintWriter(out), new PrintWriter(err), now::get);

    for (long done = 0; done <= 100 * MIB; done += MIB) {
      progress.diskProgress(REF, new DiskProgress("disk-0", Stage.EXPORTING, done, 100 * MIB, MIB));
    }
    progress.diskProgress(REF, new DiskProgress("disk-0", Stage.CONVERTING, 0, 100, 0));
    progress.diskProgress(REF, new DiskProgress("disk-0", Stage.CONVERTING, 1, 100, 0));
    now.addAndGet(Duration.ofSeconds(5).toNanos());
    progress.diskProgress(REF, new DiskProgress("disk-0", Stage.CONVERTING, 2, 100, 0));
    progress.diskProgress(REF, new DiskProgress("disk-0", Stage.DONE, 40 * MIB, 40 * MIB, 0));
    progress.diskProgress(REF, new DiskProgress("disk-0", Stage.DONE, 40 * MIB, 40 * MIB, 0));

    assertThat(out.toString().lines())
        .containsExactly(
            "default/web disk-0: exporting 0% (0 B of 100.0 MiB, 1.0 MiB/s, 1 min 40 s left)",
            "default/web disk-0: exporting 10% (10.0 MiB of 100.0 MiB, 1.0 MiB/s, 1 min 30 s left)",
            "default/web disk-0: exporting 20% (20.0 MiB of 100.0 MiB, 1.0 MiB/s, 1 min 20 s left)",
            "default/web disk-0: exporting 30% (30.0 MiB of 100.0 MiB, 1.0 MiB/s, 1 min 10 s left)",
            "default/web disk-0: exporting 40% (40.0 MiB of 100.0 MiB, 1.0 MiB/s, 1 min left)",
            "default/web disk-0: exporting 50% (50.0 MiB of 100.0 MiB, 1.0 MiB/s, 50 s left)",
            "default/web disk-0: exporting 60% (60.0 MiB of 100.0 MiB, 1.0 MiB/s, 40 s left)",
            "default/web disk-0: exporting 70% (70.0 MiB of 100.0 MiB, 1.0 MiB/s, 30 s left)",
            "default/web disk-0: exporting 80% (80.0 MiB of 100.0 MiB, 1.0 MiB/s, 20 s left)",
            "default/web disk-0: exporting 90% (90.0 MiB of 100.0 MiB, 1.0 MiB/s, 10 s left)",
            "default/web disk-0: exporting 100% (100.0 MiB of 100.0 MiB, 1.0 MiB/s)",
            "default/web disk-0: converting 0%",
            "default/web disk-0: converting 2%",
            "default/web disk-0: done (40.0 MiB)");
  }

  @Test
  void plainLinesShowPhasesConditionsAndDisksFinishedEarlier() {
    PlainProgress progress =
        new PlainProgress(new PrintWriter(out), new PrintWriter(err), now::get);

    progress.phaseChanged(REF, ImportPhase.DISK_IMAGE_SUBMITTED, "2 image(s) submitted");
    progress.conditionChanged(
        REF,
        new ImportCondition(
            ConditionType.VM_POWERED_OFF, true, "AlreadyOff", "VM web is off", Instant.EPOCH));
    progress.diskProgress(REF, new DiskProgress("disk-1", Stage.DONE, 3 * MIB, 3 * MIB, 0));
    progress.warning(REF, "NIC 1 has no mapping");

    assertThat(out.toString().lines())
        .containsExactly(
            "default/web: phase: diskImageSubmitted - 2 image(s) submitted",
            "default/web: condition: VMPoweredOff=True (AlreadyOff): VM web is off",
            "default/web disk-1: done, converted by an earlier run (3.0 MiB)");
    assertThat(err.toString()).isEqualTo("warning: default/web: NIC 1 has no mapping\n");
  }

  @Test
  void unknownSizesShowBytesEveryFiveSeconds() {
    PlainProgress progress =
        new PlainProgress(new PrintWriter(out), new PrintWriter(err), now::get);

    progress.diskProgress(REF, new DiskProgress("disk-0", Stage.EXPORTING, MIB, -1, MIB));
    progress.diskProgress(REF, new DiskProgress("disk-0", Stage.EXPORTING, 2 * MIB, -1, MIB));
    now.addAndGet(Duration.ofSeconds(5).toNanos());
    progress.diskProgress(REF, new DiskProgress("disk-0", Stage.EXPORTING, 7 * MIB, -1, MIB));

    assertThat(out.toString().lines())
        .containsExactly(
            "default/web disk-0: exporting 1.0 MiB (size unknown, 1.0 MiB/s)",
            "default/web disk-0: exporting 7.0 MiB (size unknown, 1.0 MiB/s)");
  }

  @Test
  void terminalBarsAreRedrawnInPlaceBelowMessages() {
    TerminalProgress progress =
        new TerminalProgress(new PrintWriter(out), new PrintWriter(err), now::get, 100);

    progress.diskProgress(REF, new DiskProgress("disk-0", Stage.EXPORTING, 0, 100 * MIB, 0));
    progress.diskProgress(REF, new DiskProgress("disk-1", Stage.EXPORTING, 0, 10 * MIB, 0));
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    progress.diskProgress(
        REF, new DiskProgress("disk-0", Stage.EXPORTING, 50 * MIB, 100 * MIB, 2 * MIB));
    progress.phaseChanged(REF, ImportPhase.DISKS_EXPORTED, "2 disk(s) exported");
    progress.finish();

    String screen = render(out.toString());
    assertThat(screen.lines())
        .containsExactly(
            "default/web: phase: disksExported - 2 disk(s) exported",
            "disk-0   exporting  [########........]  50%  50.0 MiB / 100.0 MiB  2.0 MiB/s",
            "disk-1   exporting  [................]   0%  0 B / 10.0 MiB");
    assertThat(out.toString()).contains("\r", "\033[2A");
  }

  @Test
  void bytesUseBinaryUnits() {
    assertThat(ProgressFormat.bytes(0)).isEqualTo("0 B");
    assertThat(ProgressFormat.bytes(1023)).isEqualTo("1023 B");
    assertThat(ProgressFormat.bytes(1536)).isEqualTo("1.5 KiB");
    assertThat(ProgressFormat.bytes(10L << 30)).isEqualTo("10.0 GiB");
  }

  /** What a terminal shows after {@code output}: handles \r, \n, erase-line and cursor-up. */
  static String render(String output) {
    List<StringBuilder> lines = new ArrayList<>();
    lines.add(new StringBuilder());
    int row = 0;
    int column = 0;
    for (int i = 0; i < output.length(); i++) {
      char c = output.charAt(i);
      if (c == '\033') {
        int end = i + 2;
        while (!Character.isLetter(output.charAt(end))) {
          end++;
        }
        String argument = output.substring(i + 2, end);
        char command = output.charAt(end);
        if (command == 'A') {
          row -= Integer.parseInt(argument);
        } else if (command == 'K') {
          lines.get(row).setLength(0);
        }
        i = end;
      } else if (c == '\r') {
        column = 0;
      } else if (c == '\n') {
        row++;
        column = 0;
        while (lines.size() <= row) {
          lines.add(new StringBuilder());
        }
      } else {
        StringBuilder line = lines.get(row);
        if (column < line.length()) {
          line.setCharAt(column, c);
        } else {
          line.append(c);
        }
        column++;
      }
    }
    return String.join(
        "\n", lines.stream().map(StringBuilder::toString).filter(l -> !l.isEmpty()).toList());
  }
}
