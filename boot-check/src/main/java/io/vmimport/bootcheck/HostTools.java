package io.vmimport.bootcheck;

import static java.util.Objects.requireNonNull;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The host tools a boot test needs, by Debian package. Where one is missing the test fails in CI
 * (environment variable {@code CI} set, as {@code .ci/run} does: CI installs them with {@code
 * scripts/install-test-deps.sh}) and is skipped on a developer's machine, both with a message
 * naming the packages.
 */
public final class HostTools {
  /** A command found on the PATH (or in /usr/sbin, /sbin), or a file at an absolute path. */
  public record Tool(String name, String debianPackage) {
    public Tool {
      requireNonNull(name, "name is null");
      requireNonNull(debianPackage, "debianPackage is null");
    }

    boolean present() {
      if (name.equals("/boot/vmlinuz")) {
        // any kernel: libguestfs' supermin takes the newest
        try (Stream<Path> boot = Files.list(Path.of("/boot"))) {
          return boot.anyMatch(p -> p.getFileName().toString().startsWith("vmlinuz"));
        } catch (java.io.IOException e) {
          return false;
        }
      }
      if (name.startsWith("/")) {
        return Files.isRegularFile(Path.of(name));
      }
      String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
      return Stream.concat(
              Stream.of(path.split(File.pathSeparator)), Stream.of("/usr/sbin", "/sbin"))
          .filter(dir -> !dir.isEmpty())
          .anyMatch(dir -> Files.isExecutable(Path.of(dir, name)));
    }

    @Override
    public String toString() {
      return name + " (Debian package " + debianPackage + ")";
    }
  }

  /** What booting an imported VM needs. */
  public static final List<Tool> BOOT =
      List.of(
          new Tool("qemu-system-x86_64", "qemu-system-x86"),
          new Tool("qemu-img", "qemu-utils"),
          new Tool("/usr/share/OVMF/OVMF_CODE_4M.fd", "ovmf"));

  /** What test-peer/guest/build-guest.sh needs, besides root. */
  public static final List<Tool> GUEST_BUILD =
      List.of(
          new Tool("mmdebstrap", "mmdebstrap"),
          new Tool("sfdisk", "fdisk"),
          new Tool("mke2fs", "e2fsprogs"),
          new Tool("mkfs.fat", "dosfstools"),
          new Tool("mcopy", "mtools"),
          new Tool("qemu-img", "qemu-utils"));

  /**
   * What guest conversion needs (converter-virt-v2v): virt-v2v-in-place runs nbdkit, and libguestfs
   * boots its appliance with the host's kernel.
   */
  public static final List<Tool> CONVERSION =
      List.of(
          new Tool("virt-v2v-in-place", "virt-v2v"),
          new Tool("virt-v2v-inspector", "virt-v2v"),
          new Tool("nbdkit", "nbdkit"),
          new Tool("guestfish", "libguestfs-tools"),
          new Tool("/boot/vmlinuz", "linux-image-amd64"));

  private HostTools() {}

  /** Fails (CI) or skips (elsewhere) unless every tool of {@code tools} is installed. */
  public static void require(String what, List<Tool> tools) {
    List<Tool> missing = new ArrayList<>();
    for (Tool tool : tools) {
      if (!tool.present() && !missing.contains(tool)) {
        missing.add(tool);
      }
    }
    if (!missing.isEmpty()) {
      unavailable(
          what
              + " needs "
              + missing
              + ": install "
              + String.join(" ", missing.stream().map(Tool::debianPackage).distinct().toList())
              + " with scripts/install-test-deps.sh (as root)");
    }
  }

  /** Building the guest with mmdebstrap's root mode needs root. */
  public static void requireRoot(String what) {
    if (!"root".equals(System.getProperty("user.name"))) {
      unavailable(what + " needs root (mmdebstrap --mode=root); CI runs as root");
    }
  }

  /** Whether this is a CI run, where a missing tool is a broken machine rather than a choice. */
  public static boolean inCi() {
    String ci = System.getenv("CI");
    return ci != null && !ci.isBlank() && !"false".equalsIgnoreCase(ci);
  }

  private static void unavailable(String message) {
    if (inCi()) {
      throw new AssertionError(message + " (CI is set: a CI machine must have them)");
    }
    Assumptions.abort("skipped: " + message);
  }
}
