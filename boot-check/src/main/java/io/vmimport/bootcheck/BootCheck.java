package io.vmimport.bootcheck;

import static java.util.Objects.requireNonNull;

import io.vmimport.bootcheck.BootResult.Outcome;
import io.vmimport.bootcheck.KubevirtVm.Firmware;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Boots a KubeVirt VM's disks under QEMU and decides from the serial console: the guest's marker
 * ends the boot as {@link Outcome#BOOTED}; a failure signature (the initramfs shell, a panic,
 * systemd's emergency mode, no boot device, a read-only root) ends it early as {@link
 * Outcome#FAILED}, so a guest that cannot boot costs seconds, not the whole timeout.
 */
public final class BootCheck {
  /** Under TCG on a loaded machine a good boot takes 30 to 120 s. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(7);

  static final Pattern FAILURE =
      Pattern.compile(
          "Gave up waiting for root|ALERT!|Kernel panic|Dropping to a shell|emergency mode"
              + "|VMIMPORT-BOOT-RO|No bootable device|Boot failed|grub rescue>|Shell> ");

  /** Once a failure shows, the console's next lines say why: keep them for the report. */
  private static final Duration AFTER_FAILURE = Duration.ofSeconds(2);

  private static final Duration POLL = Duration.ofMillis(500);

  private final QemuSetup setup;

  public BootCheck(QemuSetup setup) {
    this.setup = requireNonNull(setup, "setup is null");
  }

  /**
   * Boots {@code vm} with {@code disks} (by disk name) and returns how it ended; QEMU is stopped in
   * every case. The serial log, QEMU's own output and the command line stay in {@code workDir}.
   */
  public BootResult boot(
      KubevirtVm vm, Map<String, DiskImage> disks, Duration timeout, Path workDir)
      throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    Path serialLog = workDir.resolve("serial.log");
    Path efiVars = workDir.resolve("OVMF_VARS.fd");
    Files.deleteIfExists(serialLog);
    Files.createFile(serialLog);
    if (vm.firmware() != Firmware.BIOS) {
      Path template =
          vm.firmware() == Firmware.EFI_SECURE_BOOT ? setup.ovmfSecureBootVars() : setup.ovmfVars();
      Files.copy(template, efiVars, StandardCopyOption.REPLACE_EXISTING);
    }
    List<String> command = QemuCommand.of(vm, disks, setup, serialLog, efiVars);
    Files.writeString(workDir.resolve("qemu-command.txt"), String.join(" ", command) + "\n");
    List<String> niced = new ArrayList<>(List.of("nice", "-n", "10"));
    niced.addAll(command);
    Path qemuOutput = workDir.resolve("qemu.log");

    long start = System.nanoTime();
    Process qemu =
        new ProcessBuilder(niced)
            .redirectErrorStream(true)
            .redirectOutput(qemuOutput.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    try {
      long deadline = start + timeout.toNanos();
      while (true) {
        String console = Files.readString(serialLog, StandardCharsets.ISO_8859_1);
        Optional<String> marker = completeLineWith(console, GuestReport.MARKER);
        if (marker.isPresent()) {
          return result(
              Outcome.BOOTED,
              start,
              marker.get(),
              marker.map(GuestReport::parse),
              serialLog,
              command);
        }
        Matcher failure = FAILURE.matcher(console);
        if (failure.find()) {
          TimeUnit.NANOSECONDS.sleep(AFTER_FAILURE.toNanos());
          return result(
              Outcome.FAILED,
              start,
              lineAt(console, failure.start()),
              Optional.empty(),
              serialLog,
              command);
        }
        if (!qemu.isAlive()) {
          return result(
              Outcome.QEMU_EXITED,
              start,
              "QEMU exited with " + qemu.exitValue() + ": " + Files.readString(qemuOutput).strip(),
              Optional.empty(),
              serialLog,
              command);
        }
        if (System.nanoTime() - deadline > 0) {
          return result(
              Outcome.TIMED_OUT,
              start,
              "no marker and no failure within " + timeout.toSeconds() + " s",
              Optional.empty(),
              serialLog,
              command);
        }
        TimeUnit.NANOSECONDS.sleep(POLL.toNanos());
      }
    } finally {
      stop(qemu);
    }
  }

  private static BootResult result(
      Outcome outcome,
      long start,
      String evidence,
      Optional<GuestReport> report,
      Path serialLog,
      List<String> command) {
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    return new BootResult(outcome, elapsed, evidence.strip(), report, serialLog, command);
  }

  /** The first line holding {@code text} that the console has finished writing. */
  static Optional<String> completeLineWith(String console, String text) {
    int at = console.indexOf(text);
    if (at < 0) {
      return Optional.empty();
    }
    int end = console.indexOf('\n', at);
    return end < 0 ? Optional.empty() : Optional.of(lineAt(console, at));
  }

  private static String lineAt(String console, int at) {
    int begin = console.lastIndexOf('\n', at) + 1;
    int end = console.indexOf('\n', at);
    return console.substring(begin, end < 0 ? console.length() : end).replace("\r", "");
  }

  private static void stop(Process qemu) throws InterruptedException {
    qemu.destroy();
    if (!qemu.waitFor(10, TimeUnit.SECONDS)) {
      qemu.destroyForcibly();
      if (!qemu.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("QEMU (pid " + qemu.pid() + ") did not stop");
      }
    }
  }
}
