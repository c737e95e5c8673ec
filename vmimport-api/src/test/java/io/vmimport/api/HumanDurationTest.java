package io.vmimport.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HumanDurationTest {
  @Test
  void showsTheTwoLargestUnitsPeopleUse() {
    assertThat(HumanDuration.format(Duration.ofSeconds(2))).isEqualTo("2 s");
    assertThat(HumanDuration.format(Duration.ofSeconds(90))).isEqualTo("1 min 30 s");
    assertThat(HumanDuration.format(Duration.ofMinutes(1))).isEqualTo("1 min");
    assertThat(HumanDuration.format(Duration.ofHours(6))).isEqualTo("6 h");
    assertThat(HumanDuration.format(Duration.ofSeconds(3605))).isEqualTo("1 h");
    assertThat(HumanDuration.format(Duration.ofMinutes(125))).isEqualTo("2 h 5 min");
    assertThat(HumanDuration.format(Duration.ofHours(49))).isEqualTo("2 d 1 h");
  }

  @Test
  void belowASecondInMilliseconds() {
    assertThat(HumanDuration.format(Duration.ofMillis(500))).isEqualTo("500 ms");
    assertThat(HumanDuration.format(Duration.ZERO)).isEqualTo("0 ms");
    assertThat(HumanDuration.format(Duration.ofSeconds(-3))).isEqualTo("-3 s");
  }
}
