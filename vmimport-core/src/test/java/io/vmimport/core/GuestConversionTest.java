package io.vmimport.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.ImportCondition;
import io.vmimport.api.guest.GuestConversionPolicy;
import io.vmimport.api.guest.GuestConversionRequest;
import io.vmimport.api.guest.GuestConversionResult.Outcome;
import io.vmimport.api.guest.GuestOs;
import io.vmimport.api.model.Cpu;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.FirmwareType;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NetworkMapping;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.model.SourceRef;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.core.fake.CopyingConverter;
import io.vmimport.core.fake.FakeGuestConverter;
import io.vmimport.core.fake.FakeSource;
import io.vmimport.core.fake.FakeTarget;
import io.vmimport.core.fake.FakeTime;
import io.vmimport.core.fake.RecordingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest conversion phase between export and publish, with a fake converter: when the policy
 * converts, what the GuestConverted condition says, what the published disks hold.
 */
class GuestConversionTest {
  private static final ImportRef REF = new ImportRef("default", "db-import", "uid-db");
  private static final SourceRef SOURCE_REF =
      new SourceRef("migration.harvesterhci.io/v1beta1", "FakeSource", "lab", "default");
  private static final SourceSpec SOURCE =
      new SourceSpec("fake", "default", "lab", Map.of("endpoint", "https://lab"), Credentials.NONE);

  @TempDir Path dir;

  private final FakeTime time = new FakeTime();
  private final RecordingListener listener = new RecordingListener();
  private final FakeGuestConverter guest = new FakeGuestConverter();
  private final byte[] bootDisk = randomBytes(1 << 20);
  private FakeTarget target;
  private FakeSource source;
  private ImportEngine engine;

  @AfterEach
  void tearDown() {
    if (engine != null) {
      engine.close();
    }
  }

  /** A VM whose disk and NIC the source maps to {@code bus} and {@code nic}. */
  private ImportResult importVm(
      Optional<DiskBus> bus,
      NicModel nic,
      Optional<String> osHint,
      GuestConversionPolicy engineDefault,
      Optional<GuestConversionPolicy> annotation,
      boolean converterInstalled) {
    start(bus, nic, osHint, engineDefault, converterInstalled);
    return engine.run(request(annotation), target, listener);
  }

  private void start(
      Optional<DiskBus> bus,
      NicModel nic,
      Optional<String> osHint,
      GuestConversionPolicy engineDefault,
      boolean converterInstalled) {
    SourceDisk disk = SourceDisk.of(0, "2000", "db.vmdk", bootDisk.length);
    SourceVm vm =
        new SourceVm(
            "vm-7",
            "db01",
            new Cpu(2, 1),
            1024,
            Firmware.BIOS,
            List.of(bus.map(disk::withBus).orElse(disk)),
            List.of(SourceNic.of(0, "00:50:56:aa:cc:01", nic, "prod")),
            Optional.empty(),
            osHint);
    source = new FakeSource(time, vm);
    source.diskContent.put("2000", bootDisk);
    target = new FakeTarget(dir.resolve("out"));
    engine =
        new ImportEngine(
            new ProviderRegistry(List.of(source)),
            new CopyingConverter(),
            converterInstalled ? Optional.of(guest) : Optional.empty(),
            new InMemoryCheckpointStore(),
            EngineConfig.builder(dir.resolve("scratch"))
                .maxAttempts(1)
                .pollInterval(Duration.ofSeconds(5))
                .guestConversion(engineDefault)
                .guestConversionTimeout(Duration.ofMinutes(7))
                .build(),
            time);
  }

  private ImportRequest request(Optional<GuestConversionPolicy> annotation) {
    ImportSpec.Builder spec =
        ImportSpec.builder(SOURCE_REF, "db01")
            .addNetworkMapping(new NetworkMapping("prod", "vlan1"));
    annotation.ifPresent(spec::guestConversion);
    return new ImportRequest(REF, spec.build(), SOURCE);
  }

  private ImportResult importAuto(Optional<String> osHint) {
    return importVm(
        Optional.empty(),
        NicModel.VIRTIO,
        osHint,
        GuestConversionPolicy.AUTO,
        Optional.empty(),
        true);
  }

  private ImportCondition lastGuestCondition() {
    synchronized (listener.conditions) {
      return listener.conditions.stream()
          .filter(c -> c.type().wireValue().equals("GuestConverted"))
          .reduce((a, b) -> b)
          .orElseThrow(() -> new AssertionError("no GuestConverted condition"));
    }
  }

  private byte[] publishedBootDisk() throws Exception {
    return Files.readAllBytes(dir.resolve("out").resolve(REF.name()).resolve("disk-0.raw"));
  }

  private boolean converted() throws Exception {
    byte[] published = publishedBootDisk();
    return Arrays.equals(
        Arrays.copyOf(published, FakeGuestConverter.MARK.length), FakeGuestConverter.MARK);
  }

  @Test
  void autoConvertsALinuxGuestGoingOntoVirtioBeforeItsDisksArePublished() throws Exception {
    importAuto(Optional.of("debian10_64Guest"));

    assertThat(guest.calls)
        .as("the source's hint is enough: no inspection")
        .containsExactly("convert");
    GuestConversionRequest request = guest.requests.get(0);
    assertThat(request.targetBus()).isEqualTo(DiskBus.VIRTIO);
    assertThat(request.targetNicModel()).contains(NicModel.VIRTIO);
    assertThat(request.osHint()).contains("debian10_64Guest");
    assertThat(request.firmware()).isEqualTo(FirmwareType.BIOS);
    assertThat(request.timeout()).isEqualTo(Duration.ofMinutes(7));
    ImportCondition condition = lastGuestCondition();
    assertThat(condition.status()).isTrue();
    assertThat(condition.reason()).isEqualTo("Converted");
    assertThat(condition.message())
        .contains("Debian GNU/Linux 12 (bookworm)", "fake-v2v", "virtio drivers in the initramfs");
    assertThat(converted()).as("the published disk is the converted one").isTrue();
    assertThat(listener.conditionTypes())
        .as("conversion comes after export")
        .containsSubsequence("VMExported", "GuestConverted");
    assertThat(listener.conditions)
        .as("progress while it runs")
        .anyMatch(c -> c.reason().equals("Converting") && c.message().contains("(16%)"));
    assertThat(listener.warnings).isEmpty();
  }

  /**
   * A run that ends after the conversion (here Harvester refuses the image; a crash or a restarted
   * worker is the same) leaves converted disks whose length changed, as a qcow2 commit changes it.
   * The next run of the import takes them as they are: it neither exports nor converts again, and
   * says the guest was converted by the earlier run.
   */
  @Test
  void aRunAgainAfterTheConversionNeitherExportsNorConvertsAgain() throws Exception {
    guest.growBy = 4096;
    start(
        Optional.empty(),
        NicModel.VIRTIO,
        Optional.of("debian10_64Guest"),
        GuestConversionPolicy.AUTO,
        true);
    target.imageFailures.put("disk-0", 1000);
    catchThrowableOfType(
        VmImportException.class, () -> engine.run(request(Optional.empty()), target, listener));
    assertThat(guest.calls).containsExactly("convert");

    target.imageFailures.clear();
    listener.conditions.clear();
    engine.run(request(Optional.empty()), target, listener);

    assertThat(guest.calls).as("conversions over both runs").containsExactly("convert");
    assertThat(source.calls)
        .as("exports over both runs")
        .filteredOn(call -> call.startsWith("openDisk"))
        .hasSize(1);
    ImportCondition condition = lastGuestCondition();
    assertThat(condition.status()).isTrue();
    assertThat(condition.reason()).isEqualTo("Converted");
    assertThat(condition.message())
        .startsWith("converted by an earlier run of this import: ")
        .contains("Debian GNU/Linux 12 (bookworm)", "fake-v2v");
    assertThat(converted()).as("the published disk is the converted one").isTrue();
  }

  @Test
  void autoLeavesAGuestOnSataWithE1000AloneAndSaysWhy() throws Exception {
    importVm(
        Optional.of(DiskBus.SATA),
        NicModel.E1000,
        Optional.of("debian10_64Guest"),
        GuestConversionPolicy.AUTO,
        Optional.empty(),
        true);

    assertThat(guest.calls).isEmpty();
    assertThat(lastGuestCondition().reason()).isEqualTo("NotNeeded");
    assertThat(lastGuestCondition().status()).isFalse();
    assertThat(publishedBootDisk()).isEqualTo(bootDisk);
  }

  @Test
  void aScsiDiskCountsAsVirtioBecauseKubevirtRunsItAsVirtioScsi() throws Exception {
    importVm(
        Optional.of(DiskBus.SCSI),
        NicModel.E1000,
        Optional.of("rhel8_64Guest"),
        GuestConversionPolicy.AUTO,
        Optional.empty(),
        true);

    assertThat(guest.calls).containsExactly("convert");
    assertThat(lastGuestCondition().reason()).isEqualTo("Converted");
    assertThat(listener.conditions)
        .anyMatch(c -> c.message().contains("disk-0 on scsi (virtio-scsi)"));
  }

  @Test
  void withoutAConverterAutoWarnsWithWhatToDoAndImportsAnyway() throws Exception {
    ImportResult result =
        importVm(
            Optional.empty(),
            NicModel.VIRTIO,
            Optional.of("debian10_64Guest"),
            GuestConversionPolicy.AUTO,
            Optional.empty(),
            false);

    ImportCondition condition = lastGuestCondition();
    assertThat(condition.reason()).isEqualTo("ConverterMissing");
    assertThat(condition.message())
        .contains("disk-0 on virtio", "converter-virt-v2v", "defaultDiskBusType: sata");
    assertThat(listener.warnings).singleElement().isEqualTo(condition.message());
    assertThat(result.images()).hasSize(1);
    assertThat(publishedBootDisk()).isEqualTo(bootDisk);
  }

  @Test
  void whereVirtV2vIsNotInstalledTheWarningSaysToInstallIt() {
    guest.unavailable = Optional.of("[virt-v2v-in-place] not found on the PATH; install virt-v2v");

    importAuto(Optional.of("debian10_64Guest"));

    assertThat(guest.calls).isEmpty();
    assertThat(lastGuestCondition().message())
        .contains("install virt-v2v", "defaultDiskBusType: sata");
  }

  @Test
  void alwaysWithoutAConverterFailsTheImport() {
    VmImportException e =
        catchThrowableOfType(
            VmImportException.class,
            () ->
                importVm(
                    Optional.empty(),
                    NicModel.VIRTIO,
                    Optional.empty(),
                    GuestConversionPolicy.ALWAYS,
                    Optional.empty(),
                    false));

    assertThat(e.code()).isEqualTo(ErrorCode.NOT_SUPPORTED);
    assertThat(e.getMessage()).contains("guest conversion 'always'", "converter-virt-v2v");
    assertThat(listener.phases).last().isEqualTo("VMMigrationFailed");
  }

  @Test
  void autoLeavesWindowsAloneAndNamesTheSettingForItsDrivers() throws Exception {
    importAuto(Optional.of("windows2019srv_64Guest"));

    assertThat(guest.calls).isEmpty();
    ImportCondition condition = lastGuestCondition();
    assertThat(condition.reason()).isEqualTo("WindowsNeedsDrivers");
    assertThat(condition.message())
        .contains(
            "windows2019srv_64Guest", "VIRTIO_WIN", "vmimport.io/guest-conversion", "'always'");
    assertThat(publishedBootDisk()).isEqualTo(bootDisk);
  }

  @Test
  void withoutAHintAutoInspectsFirstAndLeavesWindowsItFinds() throws Exception {
    guest.inspected =
        Optional.of(
            new GuestOs(
                GuestOs.Family.WINDOWS,
                Optional.of("windows"),
                Optional.of("10.0"),
                Optional.of("Windows Server 2019 Standard")));

    importAuto(Optional.of("otherGuest64"));

    assertThat(guest.calls).containsExactly("inspect");
    assertThat(lastGuestCondition().reason()).isEqualTo("WindowsNeedsDrivers");
    assertThat(lastGuestCondition().message()).contains("Windows Server 2019 Standard");
  }

  @Test
  void withoutAHintAutoInspectsAndConvertsTheLinuxItFinds() throws Exception {
    importAuto(Optional.empty());

    assertThat(guest.calls).containsExactly("inspect", "convert");
    assertThat(lastGuestCondition().reason()).isEqualTo("Converted");
    assertThat(converted()).isTrue();
  }

  @Test
  void autoLeavesADiskWithoutAnOperatingSystemAlone() throws Exception {
    guest.inspected = Optional.empty();

    importAuto(Optional.empty());

    assertThat(guest.calls).containsExactly("inspect");
    assertThat(lastGuestCondition().reason()).isEqualTo("NotConvertible");
    assertThat(lastGuestCondition().message()).contains("no operating system found");
    assertThat(listener.warnings).as("the condition says it; a data disk is no surprise").isEmpty();
  }

  @Test
  void aConverterThatDeclinesLeavesTheDisksUnderAutoAndFailsUnderAlways() throws Exception {
    guest.outcome = Outcome.DECLINED;
    importAuto(Optional.of("debian10_64Guest"));
    assertThat(lastGuestCondition().reason()).isEqualTo("NotConvertible");
    assertThat(publishedBootDisk()).isEqualTo(bootDisk);
    engine.close();

    VmImportException e =
        catchThrowableOfType(
            VmImportException.class,
            () ->
                importVm(
                    Optional.empty(),
                    NicModel.VIRTIO,
                    Optional.empty(),
                    GuestConversionPolicy.ALWAYS,
                    Optional.empty(),
                    true));
    assertThat(e.code()).isEqualTo(ErrorCode.CONVERSION_FAILED);
  }

  @Test
  void aFailedConversionUnderAutoImportsTheDisksAsExportedWithItsLogInTheCondition()
      throws Exception {
    guest.outcome = Outcome.FAILED;

    ImportResult result = importAuto(Optional.of("debian10_64Guest"));

    ImportCondition condition = lastGuestCondition();
    assertThat(condition.status()).isFalse();
    assertThat(condition.reason()).isEqualTo("ConversionFailed");
    assertThat(condition.message())
        .contains("failed (exit 1)", "inspection could not detect the source guest");
    assertThat(listener.warnings).singleElement().asString().contains("imported as exported");
    assertThat(result.images()).hasSize(1);
    assertThat(publishedBootDisk()).isEqualTo(bootDisk);
  }

  @Test
  void aFailedConversionUnderAlwaysFailsTheImport() {
    guest.outcome = Outcome.FAILED;

    VmImportException e =
        catchThrowableOfType(
            VmImportException.class,
            () ->
                importVm(
                    Optional.of(DiskBus.SATA),
                    NicModel.E1000,
                    Optional.empty(),
                    GuestConversionPolicy.ALWAYS,
                    Optional.empty(),
                    true));

    assertThat(guest.calls).as("always converts without asking").containsExactly("convert");
    assertThat(e.code()).isEqualTo(ErrorCode.CONVERSION_FAILED);
    assertThat(e.getMessage()).contains("inspection could not detect the source guest");
    assertThat(target.published).as("nothing published").isEmpty();
  }

  @Test
  void neverLeavesTheGuestAsExportedAndSaysSo() throws Exception {
    importVm(
        Optional.empty(),
        NicModel.VIRTIO,
        Optional.of("debian10_64Guest"),
        GuestConversionPolicy.NEVER,
        Optional.empty(),
        true);

    assertThat(guest.calls).isEmpty();
    assertThat(lastGuestCondition().reason()).isEqualTo("Disabled");
    assertThat(lastGuestCondition().message()).contains("'never'");
    assertThat(publishedBootDisk()).isEqualTo(bootDisk);
  }

  @Test
  void theImportsAnnotationOverridesTheEngineSetting() throws Exception {
    importVm(
        Optional.of(DiskBus.SATA),
        NicModel.E1000,
        Optional.of("debian10_64Guest"),
        GuestConversionPolicy.NEVER,
        Optional.of(GuestConversionPolicy.ALWAYS),
        true);

    assertThat(guest.calls).containsExactly("convert");
    assertThat(converted()).isTrue();
  }

  @Test
  void cancelDuringTheConversionCancelsTheImportAndPublishesNothing() throws Exception {
    guest.blockUntilCancelled = new CountDownLatch(1);
    start(
        Optional.empty(),
        NicModel.VIRTIO,
        Optional.of("debian10_64Guest"),
        GuestConversionPolicy.AUTO,
        true);

    ImportHandle handle = engine.start(request(Optional.empty()), target, listener);
    assertThat(guest.blockUntilCancelled.await(10, TimeUnit.SECONDS)).isTrue();
    handle.cancel();

    VmImportException e =
        catchThrowableOfType(VmImportException.class, () -> handle.await(Duration.ofSeconds(30)));
    assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
    assertThat(guest.calls).containsExactly("convert", "cancelled");
    assertThat(target.published).isEmpty();
    assertThat(listener.phases).last().isEqualTo("VMMigrationFailed");
  }

  private static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    new Random(16).nextBytes(bytes);
    return bytes;
  }
}
