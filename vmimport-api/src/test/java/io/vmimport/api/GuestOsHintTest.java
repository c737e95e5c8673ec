package io.vmimport.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.guest.GuestConversionPolicy;
import io.vmimport.api.guest.GuestOs.Family;
import org.junit.jupiter.api.Test;

class GuestOsHintTest {
  @Test
  void sourceHintsNameTheFamilyOrNothing() {
    assertThat(Family.fromHint("debian10_64Guest")).contains(Family.LINUX);
    assertThat(Family.fromHint("Red Hat Enterprise Linux 9 (64-bit)")).contains(Family.LINUX);
    assertThat(Family.fromHint("windows2019srv_64Guest")).contains(Family.WINDOWS);
    assertThat(Family.fromHint("Microsoft Windows Server 2022 (64-bit)")).contains(Family.WINDOWS);
    assertThat(Family.fromHint("winNetStandardGuest")).contains(Family.WINDOWS);
    assertThat(Family.fromHint("darwin64Guest")).isEmpty();
    assertThat(Family.fromHint("otherGuest64")).isEmpty();
    assertThat(Family.fromHint("")).isEmpty();
  }

  @Test
  void policyParsesAndNamesTheSettingWhenWrong() {
    assertThat(GuestConversionPolicy.parse("Always", "--guest-conversion"))
        .isEqualTo(GuestConversionPolicy.ALWAYS);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> GuestConversionPolicy.parse("sometimes", "--guest-conversion"))
        .hasMessage("--guest-conversion: 'sometimes' is not one of [auto, always, never]");
  }
}
