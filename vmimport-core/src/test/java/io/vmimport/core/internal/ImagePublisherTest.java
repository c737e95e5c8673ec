package io.vmimport.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.ScratchFiles;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetCpu;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetVm;
import io.vmimport.core.EngineConfig;
import io.vmimport.core.InMemoryCheckpointStore;
import io.vmimport.core.ProviderRegistry;
import io.vmimport.core.fake.CopyingConverter;
import io.vmimport.core.fake.FakeTarget;
import io.vmimport.core.fake.FakeTime;
import io.vmimport.core.fake.RecordingListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagePublisherTest {
  private static final ImportRef REF = new ImportRef("default", "web", "uid-web");

  @TempDir Path dir;

  private final FakeTime time = new FakeTime();
  private final RecordingListener listener = new RecordingListener();

  @Test
  void aFailedImageIsSubmittedAgainUntilItIsReady() {
    FakeTarget target = new FakeTarget(dir);
    target.imageFailures.put("disk-1", 2);

    List<PublishedImage> images =
        publisher(target, 2)
            .publish(vm(), disk -> target.publish(vm(), disk, files().get(disk.name())));

    assertThat(images).extracting(PublishedImage::diskName).containsExactly("disk-0", "disk-1");
    assertThat(target.published).containsExactly("disk-0", "disk-1", "disk-1", "disk-1");
    assertThat(listener.phases).containsExactly("diskImageSubmitted");
    assertThat(listener.images)
        .containsSubsequence(
            "disk-1 web-disk-1 PENDING", "disk-1 web-disk-1 FAILED", "disk-1 web-disk-1 READY");
  }

  @Test
  void anImageFailingMoreOftenThanAllowedFailsTheImportWithoutRetrying() {
    FakeTarget target = new FakeTarget(dir);
    target.imageFailures.put("disk-0", 100);

    VmImportException e =
        catchThrowableOfType(
            VmImportException.class,
            () ->
                publisher(target, 1)
                    .publish(vm(), disk -> target.publish(vm(), disk, files().get(disk.name()))));

    assertThat(e.code()).isEqualTo(ErrorCode.TARGET_FAILED);
    assertThat(e.retryable()).isFalse();
    assertThat(e.getMessage()).contains("web-disk-0 failed 2 time(s): checksum mismatch");
    assertThat(target.published).containsExactly("disk-0", "disk-1", "disk-0");
    assertThat(listener.phases).containsExactly("diskImageSubmitted", "diskImageFailed");
  }

  private ImagePublisher publisher(FakeTarget target, int resubmissions) {
    EngineConfig config =
        EngineConfig.builder(dir.resolve("scratch"))
            .maxAttempts(1)
            .pollInterval(Duration.ofSeconds(5))
            .imageResubmissions(resubmissions)
            .build();
    EngineServices services =
        new EngineServices(
            new ProviderRegistry(List.of()),
            new CopyingConverter(),
            new InMemoryCheckpointStore(),
            config,
            time,
            new Retrier(config),
            null,
            null,
            null,
            new ScratchFiles(config.scratchDir()),
            new RunningImports(),
            new SourceHostSlots(config.maxExportsPerSourceHost()),
            java.util.Optional.empty(),
            java.util.Optional.empty());
    return new ImagePublisher(services, target, new ImportReporter(REF, listener, time));
  }

  private Map<String, Path> files() {
    return Map.of("disk-0", dir.resolve("disk-0.raw"), "disk-1", dir.resolve("disk-1.raw"));
  }

  private static TargetVm vm() {
    return new TargetVm(
        REF,
        "web",
        "web01",
        Optional.empty(),
        new TargetCpu(1, 2, 1),
        2048,
        Firmware.BIOS,
        List.of(disk(0), disk(1)),
        List.of(),
        Optional.empty());
  }

  private static TargetDisk disk(int index) {
    return new TargetDisk(
        "disk-" + index,
        SourceDisk.of(index, "200" + index, "d" + index, 1 << 20),
        DiskBus.VIRTIO,
        1 + index);
  }
}
