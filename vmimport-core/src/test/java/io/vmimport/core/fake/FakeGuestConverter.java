package io.vmimport.core.fake;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.guest.ConversionControl;
import io.vmimport.api.guest.GuestConversionRequest;
import io.vmimport.api.guest.GuestConversionResult;
import io.vmimport.api.guest.GuestConversionResult.Outcome;
import io.vmimport.api.guest.GuestConverter;
import io.vmimport.api.guest.GuestInspection;
import io.vmimport.api.guest.GuestOs;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * A guest converter whose "conversion" writes {@link #MARK} at the start of the boot disk, so that
 * a test sees what was published; a failure leaves the disks alone, as the real one does.
 */
public final class FakeGuestConverter implements GuestConverter {
  public static final byte[] MARK = "CONVERTED".getBytes(StandardCharsets.US_ASCII);
  public static final GuestOs DEBIAN =
      new GuestOs(
          GuestOs.Family.LINUX,
          Optional.of("debian"),
          Optional.of("12"),
          Optional.of("Debian GNU/Linux 12 (bookworm)"));

  public final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  public final List<GuestConversionRequest> requests =
      Collections.synchronizedList(new ArrayList<>());
  public Optional<String> unavailable = Optional.empty();
  public Optional<GuestOs> inspected = Optional.of(DEBIAN);
  public Outcome outcome = Outcome.CONVERTED;

  /**
   * Bytes a conversion appends to the boot disk, as committing a qcow2 overlay changes its length.
   */
  public int growBy = 0;

  /** When set, convert waits for a cancel after counting this down. */
  public CountDownLatch blockUntilCancelled;

  @Override
  public String name() {
    return "fake-v2v";
  }

  @Override
  public Optional<String> unavailable() {
    return unavailable;
  }

  @Override
  public GuestInspection inspect(GuestConversionRequest request, ConversionControl control) {
    calls.add("inspect");
    requests.add(request);
    boolean convertible = inspected.map(os -> os.family() != GuestOs.Family.OTHER).orElse(false);
    return new GuestInspection(
        inspected, convertible, convertible ? "" : "no operating system found on the disks");
  }

  @Override
  public GuestConversionResult convert(GuestConversionRequest request, ConversionControl control) {
    calls.add("convert");
    requests.add(request);
    control.progress("Converting Debian GNU/Linux 12 (bookworm) to run on KVM", 16);
    if (blockUntilCancelled != null) {
      blockUntilCancelled.countDown();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!control.cancelled()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("never cancelled");
        }
        Thread.onSpinWait();
      }
      calls.add("cancelled");
      throw new VmImportException(ErrorCode.CANCELLED, "guest conversion cancelled");
    }
    if (outcome != Outcome.CONVERTED) {
      return new GuestConversionResult(
          outcome,
          inspected,
          List.of(),
          "virt-v2v-in-place failed (exit 1); the disks are unchanged",
          List.of("virt-v2v-in-place: error: inspection could not detect the source guest"),
          Duration.ofSeconds(3));
    }
    try (RandomAccessFile file =
        new RandomAccessFile(request.disks().get(0).path().toFile(), "rw")) {
      file.write(MARK);
      file.setLength(file.length() + growBy);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return new GuestConversionResult(
        Outcome.CONVERTED,
        inspected,
        List.of(
            "virtio drivers in the initramfs", "info: This guest has virtio drivers installed."),
        "converted",
        List.of(),
        Duration.ofSeconds(270));
  }
}
