package io.vmimport.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmimport.api.event.ConditionType;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceRef;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The strings users and the Harvester UI see, exactly as vm-import-controller writes them. */
class WireFormatTest {
  @Test
  void importStatusStringsAreUpstreams() {
    assertThat(Arrays.stream(ImportPhase.values()).map(ImportPhase::wireValue))
        .containsExactly(
            "",
            "virtualMachineImportValid",
            "virtualMachineImportInvalid",
            "sourceReady",
            "disksExported",
            "diskImageSubmitted",
            "diskImagesReady",
            "diskImageFailed",
            "virtualMachineCreated",
            "virtualMachineRunning",
            "VMMigrationFailed");
    assertThat(ImportPhase.fromWireValue("diskImageSubmitted"))
        .isEqualTo(ImportPhase.DISK_IMAGE_SUBMITTED);
  }

  @Test
  void conditionTypesAreUpstreamsAndOneOfOurs() {
    // GuestConverted is ours (COMPAT.md, "Our additions"); the others are upstream's strings
    assertThat(Arrays.stream(ConditionType.values()).map(ConditionType::wireValue))
        .containsExactly(
            "VMShutdownGuest",
            "VMPoweringOff",
            "VMPoweredOff",
            "VMExported",
            "VMExportFailed",
            "GuestConverted");
  }

  @Test
  void enumValuesParseCaseInsensitivelyAndNameTheFieldWhenWrong() {
    assertThat(NicModel.parse("NE2K_PCI", "spec.defaultNetworkInterfaceModel"))
        .isEqualTo(NicModel.NE2K_PCI);
    assertThatThrownBy(() -> DiskBus.parse("ide", "spec.defaultDiskBusType"))
        .isInstanceOf(VmImportException.class)
        .hasMessage("spec.defaultDiskBusType: 'ide' is not one of [virtio, sata, scsi, usb]");
  }

  @Test
  void defaultsFollowUpstream() {
    ImportSpec spec =
        ImportSpec.builder(
                new SourceRef("migration.harvesterhci.io/v1beta1", "VmwareSource", "v", "d"), "vm")
            .gracefulShutdownTimeout(Duration.ofSeconds(-5))
            .build();

    assertThat(spec.defaultNetworkInterfaceModel()).isEqualTo(NicModel.VIRTIO);
    assertThat(spec.defaultDiskBusType()).isEqualTo(DiskBus.VIRTIO);
    assertThat(spec.gracefulShutdownTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(spec.forcePowerOff()).isFalse();
  }

  @Test
  void credentialsNeverPrintTheirValues() {
    Credentials credentials =
        new Credentials("default/vsphere", Map.of("username", "admin", "password", "hunter2!"));

    assertThat(credentials.toString()).contains("password").doesNotContain("hunter2!", "admin");
    assertThatThrownBy(() -> credentials.require("caCert"))
        .hasMessage("Secret default/vsphere has no key 'caCert' (or it is empty)");
  }

  @Test
  void retryabilityComesFromTheCodeUnlessOverridden() {
    assertThat(new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, "down").retryable()).isTrue();
    assertThat(new VmImportException(ErrorCode.AUTHENTICATION_FAILED, "no").retryable()).isFalse();
    assertThat(new VmImportException(ErrorCode.EXPORT_FAILED, "x", null, false).retryable())
        .isFalse();
  }
}
