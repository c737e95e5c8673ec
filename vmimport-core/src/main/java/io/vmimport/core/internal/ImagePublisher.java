package io.vmimport.core.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.HumanDuration;
import io.vmimport.api.ImportPhase;
import io.vmimport.api.VmImportException;
import io.vmimport.api.target.ImportTarget;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetStatus;
import io.vmimport.api.target.TargetVm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the converted disks as the target's images and waits until the target has them all,
 * publishing an image again when the target reports it failed, up to {@link
 * io.vmimport.core.EngineConfig#imageResubmissions()} times.
 */
final class ImagePublisher {
  private static final Logger log = LoggerFactory.getLogger(ImagePublisher.class);

  private final EngineServices services;
  private final ImportTarget target;
  private final ImportReporter report;

  ImagePublisher(EngineServices services, ImportTarget target, ImportReporter report) {
    this.services = requireNonNull(services, "services is null");
    this.target = requireNonNull(target, "target is null");
    this.report = requireNonNull(report, "report is null");
  }

  /**
   * Publishes one image per disk of {@code vm} with {@code publishOne} (from its file, or from
   * where a worker serves it) and waits until all are ready; a failed image is published again the
   * same way.
   *
   * @return the images in disk order
   */
  List<PublishedImage> publish(TargetVm vm, Function<TargetDisk, PublishedImage> publishOne) {
    List<PublishedImage> images = new ArrayList<>();
    for (TargetDisk disk : vm.disks()) {
      PublishedImage image =
          services.retrier().call("publishing " + disk.name(), () -> publishOne.apply(disk));
      images.add(image);
      report.listener().imageChanged(report.ref(), image, TargetStatus.pending("submitted"));
    }
    report.enter(
        ImportPhase.DISK_IMAGE_SUBMITTED,
        images.size() + (target.createsObjects() ? " image(s) submitted" : " image(s) written"));
    int[] resubmissions = new int[images.size()];
    TargetStatus[] last = new TargetStatus[images.size()];
    Arrays.fill(last, TargetStatus.pending("submitted"));
    boolean ready =
        Deadline.await(
            services.time(),
            services.config().imageReadyTimeout(),
            services.config().pollInterval(),
            () -> allReady(vm, publishOne, images, resubmissions, last));
    if (!ready) {
      throw new VmImportException(
          ErrorCode.TIMEOUT,
          "images were not ready within "
              + HumanDuration.format(services.config().imageReadyTimeout()));
    }
    return images;
  }

  private boolean allReady(
      TargetVm vm,
      Function<TargetDisk, PublishedImage> publishOne,
      List<PublishedImage> images,
      int[] resubmissions,
      TargetStatus[] last) {
    boolean all = true;
    for (int i = 0; i < images.size(); i++) {
      PublishedImage image = images.get(i);
      TargetStatus status =
          services
              .retrier()
              .call("status of image " + image.imageName(), () -> target.imageStatus(vm, image));
      if (!status.equals(last[i])) {
        last[i] = status;
        report.listener().imageChanged(report.ref(), image, status);
      }
      switch (status.state()) {
        case READY -> {}
        case PENDING -> all = false;
        case FAILED -> {
          all = false;
          if (resubmissions[i] >= services.config().imageResubmissions()) {
            report.enter(
                ImportPhase.DISK_IMAGE_FAILED, image.imageName() + ": " + status.message());
            throw new VmImportException(
                ErrorCode.TARGET_FAILED,
                "image "
                    + image.imageName()
                    + " failed "
                    + (resubmissions[i] + 1)
                    + " time(s): "
                    + status.message(),
                null,
                false);
          }
          resubmissions[i]++;
          TargetDisk disk = vm.disks().get(i);
          log.warn(
              "{}: image {} failed ({}), submitting it again ({}/{})",
              report.ref(),
              image.imageName(),
              status.message(),
              resubmissions[i],
              services.config().imageResubmissions());
          PublishedImage again =
              services.retrier().call("publishing " + disk.name(), () -> publishOne.apply(disk));
          images.set(i, again);
          last[i] = TargetStatus.pending("submitted again");
          report.listener().imageChanged(report.ref(), again, last[i]);
        }
      }
    }
    return all;
  }
}
