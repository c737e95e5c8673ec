package io.vmimport.bootcheck;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The Debian guest shaped like a VMware VM (test-peer/guest/build-guest.sh), built once per build
 * folder and firmware and reused until the script changes: building takes one to two minutes, a
 * boot test needs only the image.
 *
 * @param buildTime how long the build took; zero when an earlier build was reused
 */
public record GuestImage(Firmware firmware, Path dir, Duration buildTime, boolean reused) {
  /** The guest's firmware, and with it its partition layout and root device. */
  public enum Firmware {
    /** MBR, root on {@code /dev/sda1}. */
    BIOS,
    /** GPT with an ESP, root on {@code /dev/sda2}. */
    UEFI;

    String scriptValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The generic kernel: the cloud kernel has no AHCI driver, and SATA is the bus vmimport gives a
   * disk of a VMware paravirtual SCSI controller.
   */
  static final String KERNEL_FLAVOUR = "generic";

  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(15);
  private static final Map<Path, GuestImage> BUILT = new ConcurrentHashMap<>();

  public GuestImage {
    requireNonNull(firmware, "firmware is null");
    requireNonNull(dir, "dir is null");
    requireNonNull(buildTime, "buildTime is null");
  }

  /** The disk as vSphere exports it. */
  public Path streamOptimizedVmdk() {
    return dir.resolve("vmware-guest.vmdk");
  }

  /** The guest built by {@code script} in {@code cache/<firmware>}, or the one built before. */
  public static GuestImage build(Path script, Path cache, Firmware firmware)
      throws IOException, InterruptedException {
    Path dir = cache.resolve(firmware.scriptValue()).toAbsolutePath();
    synchronized (BUILT) {
      GuestImage known = BUILT.get(dir);
      if (known != null) {
        return known;
      }
      GuestImage image = buildOrReuse(script, dir, firmware);
      BUILT.put(dir, image);
      return image;
    }
  }

  private static GuestImage buildOrReuse(Path script, Path dir, Firmware firmware)
      throws IOException, InterruptedException {
    String stamp = stamp(script, firmware);
    Path stampFile = dir.resolve("built-from");
    Path vmdk = dir.resolve("vmware-guest.vmdk");
    if (Files.isRegularFile(vmdk)
        && Files.isRegularFile(stampFile)
        && Files.readString(stampFile).equals(stamp)) {
      return new GuestImage(firmware, dir, Duration.ZERO, true);
    }
    Files.createDirectories(dir);
    Files.deleteIfExists(stampFile);
    Path log = dir.resolve("build.log");
    ProcessBuilder builder =
        new ProcessBuilder("bash", script.toAbsolutePath().toString(), dir.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("FIRMWARE", firmware.scriptValue());
    builder.environment().put("KFLAVOUR", KERNEL_FLAVOUR);
    builder.environment().put("NICE", "nice -n 10");
    long start = System.nanoTime();
    Process build = builder.start();
    if (!build.waitFor(BUILD_TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
      build.destroyForcibly().waitFor();
      throw new IllegalStateException(
          "building the guest took longer than " + BUILD_TIMEOUT.toMinutes() + " min; see " + log);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    if (build.exitValue() != 0) {
      List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
      throw new IllegalStateException(
          script
              + " exited with "
              + build.exitValue()
              + "; the end of "
              + log
              + ":\n"
              + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
    }
    // the unpacked root file system is only an intermediate: hundreds of MiB in target/
    Process clean = new ProcessBuilder("rm", "-rf", dir.resolve("rootfs").toString()).start();
    if (!clean.waitFor(2, TimeUnit.MINUTES) || clean.exitValue() != 0) {
      throw new IllegalStateException("cannot remove " + dir.resolve("rootfs"));
    }
    Files.writeString(stampFile, stamp);
    return new GuestImage(firmware, dir, took, false);
  }

  /** What the image depends on: the script's content and the settings it was built with. */
  private static String stamp(Path script, Firmware firmware) throws IOException {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(script));
      return HexFormat.of().formatHex(digest)
          + " FIRMWARE="
          + firmware.scriptValue()
          + " KFLAVOUR="
          + KERNEL_FLAVOUR
          + "\n";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
