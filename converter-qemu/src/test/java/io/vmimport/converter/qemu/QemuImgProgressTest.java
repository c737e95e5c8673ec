package io.vmimport.converter.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class QemuImgProgressTest {
  private final List<Long> reported = new ArrayList<>();
  private final QemuImgProgress progress =
      new QemuImgProgress(
          (done, total) -> {
            assertThat(total).isEqualTo(100);
            reported.add(done);
          });

  @Test
  void parsesTheLinesQemuImgPrints() {
    assertThat(QemuImgProgress.percent("    (0.00/100%)")).hasValue(0);
    assertThat(QemuImgProgress.percent("    (12.34/100%)")).hasValue(12);
    assertThat(QemuImgProgress.percent("    (99.99/100%)")).hasValue(99);
    assertThat(QemuImgProgress.percent("    (100.00/100%)")).hasValue(100);
    assertThat(QemuImgProgress.percent("(7/100%)")).hasValue(7);
  }

  @Test
  void ignoresOtherLines() {
    assertThat(QemuImgProgress.percent("")).isEqualTo(OptionalLong.empty());
    assertThat(QemuImgProgress.percent("qemu-img: error while reading at byte 0")).isEmpty();
    assertThat(QemuImgProgress.percent("    (12.34/200%)")).isEmpty();
    assertThat(QemuImgProgress.percent("    (101.00/100%)")).isEmpty();
    assertThat(QemuImgProgress.percent("    (-1.00/100%)")).isEmpty();
    assertThat(QemuImgProgress.percent("    (12.34/100%) trailing")).isEmpty();
  }

  @Test
  void reportsOnlyIncreasesAndHoldsBackOneHundredUntilComplete() {
    for (String line :
        List.of(
            "    (0.00/100%)",
            "    (0.50/100%)",
            "    (1.56/100%)",
            "not progress",
            "    (1.99/100%)",
            "    (50.00/100%)",
            "    (40.00/100%)",
            "    (99.99/100%)",
            "    (100.00/100%)")) {
      progress.accept(line);
    }
    assertThat(reported).containsExactly(0L, 1L, 50L, 99L);

    progress.complete();
    progress.complete();
    assertThat(reported).containsExactly(0L, 1L, 50L, 99L, 100L);
  }

  @Test
  void completeWithoutAnyLineReportsOneHundred() {
    progress.complete();
    assertThat(reported).containsExactly(100L);
  }
}
