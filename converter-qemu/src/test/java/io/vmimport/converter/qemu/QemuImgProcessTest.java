package io.vmimport.converter.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QemuImgProcessTest {
  private static List<String> lines(String output) throws IOException {
    List<String> lines = new ArrayList<>();
    QemuImgProcess.readLines(new StringReader(output), lines::add);
    return lines;
  }

  @Test
  void splitsProgressRedrawnWithCarriageReturns() throws IOException {
    assertThat(lines("    (0.00/100%)\r    (1.56/100%)\r    (100.00/100%)\r\n"))
        .containsExactly("    (0.00/100%)", "    (1.56/100%)", "    (100.00/100%)");
  }

  @Test
  void splitsOnLineFeedsAndKeepsAnUnterminatedLastLine() throws IOException {
    assertThat(lines("{\n    \"format\": \"raw\"\n}"))
        .containsExactly("{", "    \"format\": \"raw\"", "}");
  }

  @Test
  void dropsEmptyLines() throws IOException {
    assertThat(lines("\r\n\n\ra\r\r\nb\n\n")).containsExactly("a", "b");
    assertThat(lines("")).isEmpty();
  }

  @Test
  void splitsRunawayLinesSoMemoryStaysBounded() throws IOException {
    List<String> lines = lines("x".repeat(200_000));

    assertThat(lines)
        .hasSizeGreaterThan(1)
        .allSatisfy(l -> assertThat(l).hasSizeLessThanOrEqualTo(65_536));
    assertThat(String.join("", lines)).hasSize(200_000);
  }

  @Test
  void tailKeepsTheLastLinesShortened() {
    LineTail tail = new LineTail(2);
    tail.add("first");
    tail.add("second");
    tail.add("y".repeat(1000));

    assertThat(tail.lines()).hasSize(2);
    assertThat(tail.lines().get(0)).isEqualTo("second");
    assertThat(tail.lines().get(1)).startsWith("yyy").endsWith("...").hasSizeLessThan(500);
    assertThat(tail.joined()).startsWith("second; yyy");
  }
}
