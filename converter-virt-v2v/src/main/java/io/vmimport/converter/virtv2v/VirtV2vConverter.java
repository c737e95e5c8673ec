package io.vmimport.converter.virtv2v;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.guest.ConversionControl;
import io.vmimport.api.guest.GuestConversionRequest;
import io.vmimport.api.guest.GuestConversionResult;
import io.vmimport.api.guest.GuestConversionResult.Outcome;
import io.vmimport.api.guest.GuestConverter;
import io.vmimport.api.guest.GuestInspection;
import io.vmimport.api.guest.GuestOs;
import io.vmimport.api.model.FirmwareType;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts a guest with Debian's {@code virt-v2v-in-place} (virt-v2v 2.x, libguestfs, nbdkit).
 *
 * <p>virt-v2v-in-place changes the disks it is given, and a run that fails midway leaves them in an
 * unknown state. So it never sees the exported disks: each gets a qcow2 overlay ({@code qemu-img
 * create -b}), virt-v2v converts the overlays, and only a run that succeeded is committed into the
 * disks ({@code qemu-img commit}). A failed, timed-out or cancelled run removes the overlays and
 * leaves the disks as they were.
 *
 * <p>libguestfs runs its appliance with KVM when {@code /dev/kvm} works, and under TCG otherwise
 * (about 4.5 minutes for a small Debian guest on two cores). {@code VMIMPORT_V2V_ACCEL=kvm|tcg}
 * overrides the probe.
 */
public final class VirtV2vConverter implements GuestConverter {
  private static final Logger log = LoggerFactory.getLogger(VirtV2vConverter.class);

  static final String INSTALL_HINT =
      "install virt-v2v, libguestfs-tools, nbdkit and a kernel for libguestfs' appliance"
          + " (apt-get install --no-install-recommends virt-v2v libguestfs-tools nbdkit"
          + " linux-image-amd64)";

  private static final String CACHE_VARIABLE = "LIBGUESTFS_CACHEDIR";
  private static final Duration QEMU_IMG_TIMEOUT = Duration.ofMinutes(30);
  private static final int LOG_TAIL_IN_RESULT = 12;

  private final Tools tools;

  /**
   * Where the tools are, which accelerator libguestfs uses, and where it caches its appliance
   * ({@code LIBGUESTFS_CACHEDIR}; libguestfs' default when empty).
   */
  record Tools(
      String virtV2vInPlace,
      String inspector,
      String qemuImg,
      Optional<Boolean> kvm,
      Optional<Path> applianceCache) {
    Tools {
      requireNonNull(virtV2vInPlace, "virtV2vInPlace is null");
      requireNonNull(inspector, "inspector is null");
      requireNonNull(qemuImg, "qemuImg is null");
      requireNonNull(kvm, "kvm is null");
      requireNonNull(applianceCache, "applianceCache is null");
    }

    static Tools fromEnvironment() {
      String accel = Optional.ofNullable(System.getenv("VMIMPORT_V2V_ACCEL")).orElse("").strip();
      Optional<Boolean> kvm =
          switch (accel) {
            case "kvm" -> Optional.of(true);
            case "tcg" -> Optional.of(false);
            default -> Optional.empty();
          };
      Optional<Path> cache =
          Optional.ofNullable(System.getenv(CACHE_VARIABLE))
              .map(String::strip)
              .filter(dir -> !dir.isEmpty())
              .map(Path::of);
      return new Tools("virt-v2v-in-place", "virt-v2v-inspector", "qemu-img", kvm, cache);
    }
  }

  /** The converter {@link java.util.ServiceLoader} finds: tools on the PATH. */
  public VirtV2vConverter() {
    this(Tools.fromEnvironment());
  }

  VirtV2vConverter(Tools tools) {
    this.tools = requireNonNull(tools, "tools is null");
  }

  @Override
  public String name() {
    return "virt-v2v";
  }

  @Override
  public Optional<String> unavailable() {
    List<String> missing = new ArrayList<>();
    for (String tool :
        List.of(tools.virtV2vInPlace(), tools.inspector(), "nbdkit", tools.qemuImg(), "setsid")) {
      if (!onPath(tool)) {
        missing.add(tool);
      }
    }
    if (!missing.isEmpty()) {
      return Optional.of(missing + " not found on the PATH; " + INSTALL_HINT);
    }
    if (!hasKernel()) {
      return Optional.of(
          "libguestfs needs a Linux kernel in /boot for its appliance and there is none it can"
              + " read (Debian installs them readable by root only: chmod 0644 /boot/vmlinuz-*); "
              + INSTALL_HINT);
    }
    return Optional.empty();
  }

  @Override
  public GuestInspection inspect(GuestConversionRequest request, ConversionControl control) {
    requireAvailable();
    try (Overlays overlays = Overlays.create(request, tools.qemuImg(), QEMU_IMG_TIMEOUT)) {
      Optional<String> nothing = overlays.nothingToConvert(request);
      if (nothing.isPresent()) {
        return new GuestInspection(Optional.empty(), false, nothing.get());
      }
      Path domain = overlays.writeDomain(request);
      Path report = overlays.dir().resolve("inspection.xml");
      control.progress("inspecting the guest", -1);
      ToolRun.Result run =
          ToolRun.run(
              List.of(
                  tools.inspector(),
                  "-i",
                  "libvirtxml",
                  domain.toString(),
                  "-O",
                  report.toString()),
              environment(),
              overlays.dir(),
              request.timeout(),
              control::cancelled,
              line -> {});
      if (run.end() == ToolRun.End.CANCELLED) {
        throw cancelled(request);
      }
      if (run.end() == ToolRun.End.TIMED_OUT) {
        throw new VmImportException(
            ErrorCode.TIMEOUT,
            "virt-v2v-inspector did not finish within "
                + request.timeout()
                + "; last lines: "
                + tail(run.tail()));
      }
      if (!run.succeeded()) {
        throw new VmImportException(
            ErrorCode.CONVERSION_FAILED,
            "virt-v2v-inspector failed (exit "
                + run.exitCode()
                + ") on "
                + request.vmName()
                + ": "
                + tail(run.tail()));
      }
      Optional<GuestOs> os = InspectorReport.read(report);
      return new GuestInspection(os, convertible(os), reasonFor(os));
    }
  }

  @Override
  public GuestConversionResult convert(GuestConversionRequest request, ConversionControl control) {
    requireAvailable();
    long start = System.nanoTime();
    try (Overlays overlays = Overlays.create(request, tools.qemuImg(), QEMU_IMG_TIMEOUT)) {
      Optional<String> nothing = overlays.nothingToConvert(request);
      if (nothing.isPresent()) {
        return new GuestConversionResult(
            Outcome.DECLINED,
            Optional.empty(),
            List.of(),
            nothing.get(),
            List.of(),
            Duration.ofNanos(System.nanoTime() - start));
      }
      Path domain = overlays.writeDomain(request);
      List<String> notes = new ArrayList<>();
      String[] product = {null};
      ToolRun.Result run =
          ToolRun.run(
              List.of(
                  tools.virtV2vInPlace(),
                  "--machine-readable",
                  "-i",
                  "libvirtxml",
                  domain.toString()),
              environment(),
              overlays.dir(),
              request.timeout(),
              control::cancelled,
              line ->
                  V2vMessages.parse(line)
                      .ifPresent(
                          message -> {
                            log.info("{}: virt-v2v: {}", request.vmName(), message.text());
                            message.convertingProduct().ifPresent(p -> product[0] = p);
                            if (!message.type().equals("message")) {
                              synchronized (notes) {
                                notes.add(message.type() + ": " + message.text());
                              }
                            }
                            // "Setting up the source: -i libvirtxml <our temporary file>": the path
                            // says nothing
                            control.progress(
                                message.text().replaceFirst(": -i .*", ""),
                                message.percent().orElse(-1));
                          }));
      Optional<GuestOs> os = Optional.ofNullable(product[0]).map(p -> converted(p, request));
      if (run.end() == ToolRun.End.CANCELLED) {
        throw cancelled(request);
      }
      if (!run.succeeded()) {
        String why =
            run.end() == ToolRun.End.TIMED_OUT
                ? "virt-v2v-in-place did not finish within " + request.timeout()
                : "virt-v2v-in-place failed (exit " + run.exitCode() + ")";
        return new GuestConversionResult(
            Outcome.FAILED,
            os,
            List.of(),
            why + "; the disks are unchanged",
            lastLines(run.tail()),
            run.took());
      }
      control.progress("committing the converted guest into the disks", 99);
      overlays.commit();
      List<String> changes = new ArrayList<>();
      changes.add(
          "converted for KVM by virt-v2v-in-place: virtio drivers in the initramfs, disk names in"
              + " the guest's configuration mapped to the new disks");
      synchronized (notes) {
        changes.addAll(notes);
      }
      return new GuestConversionResult(
          Outcome.CONVERTED,
          os,
          changes,
          "converted in " + run.took().toSeconds() + " s",
          List.of(),
          run.took());
    }
  }

  /**
   * The OS virt-v2v names in "Converting X to run on KVM": a product name, or for Debian only its
   * version ("12.15", from /etc/debian_version).
   */
  static GuestOs converted(String named, GuestConversionRequest request) {
    GuestOs.Family family =
        request.osHint().flatMap(GuestOs.Family::fromHint).orElse(GuestOs.Family.OTHER);
    if (named.matches("[0-9][0-9.]*")) {
      return new GuestOs(family, Optional.empty(), Optional.of(named), Optional.empty());
    }
    return new GuestOs(family, Optional.empty(), Optional.empty(), Optional.of(named));
  }

  private void requireAvailable() {
    unavailable()
        .ifPresent(
            why -> {
              throw new VmImportException(
                  ErrorCode.NOT_SUPPORTED, "guest conversion cannot run: " + why);
            });
  }

  private static boolean convertible(Optional<GuestOs> os) {
    // virtio-win drivers are not bundled: a Windows guest is convertible only where the operator
    // provides them (VIRTIO_WIN), which core's policy decides, not this inspection
    return os.map(o -> o.family() == GuestOs.Family.LINUX || o.family() == GuestOs.Family.WINDOWS)
        .orElse(false);
  }

  private static String reasonFor(Optional<GuestOs> os) {
    if (os.isEmpty()) {
      return "no operating system found on the disks";
    }
    if (os.get().family() == GuestOs.Family.OTHER) {
      return "virt-v2v converts Linux and Windows guests only, found " + os.get().describe();
    }
    return "";
  }

  /**
   * The tools' environment. libguestfs refuses a cache directory that does not exist (realpath),
   * and the image points it into scratch space, which starts empty: it is made here.
   */
  Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("LIBGUESTFS_BACKEND", "direct");
    if (!tools.kvm().orElseGet(KvmProbe::usable)) {
      env.put("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
    }
    if (tools.applianceCache().isPresent()) {
      Path cache = tools.applianceCache().get().toAbsolutePath();
      try {
        Files.createDirectories(cache);
      } catch (IOException e) {
        throw new VmImportException(
            ErrorCode.CONVERSION_FAILED,
            "cannot make libguestfs' appliance cache "
                + CACHE_VARIABLE
                + "="
                + cache
                + " ("
                + e
                + "); point "
                + CACHE_VARIABLE
                + " at a writable directory",
            e);
      }
      env.put(CACHE_VARIABLE, cache.toString());
    }
    return env;
  }

  private static VmImportException cancelled(GuestConversionRequest request) {
    return new VmImportException(
        ErrorCode.CANCELLED,
        "guest conversion of " + request.vmName() + " cancelled; the disks are unchanged");
  }

  private static List<String> lastLines(List<String> tail) {
    return tail.subList(Math.max(0, tail.size() - LOG_TAIL_IN_RESULT), tail.size());
  }

  private static String tail(List<String> tail) {
    return String.join(" | ", lastLines(tail));
  }

  static boolean onPath(String tool) {
    if (tool.contains("/")) {
      return Files.isExecutable(Path.of(tool));
    }
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
    return Stream.concat(Stream.of(path.split(File.pathSeparator)), Stream.of("/usr/sbin", "/sbin"))
        .filter(dir -> !dir.isEmpty())
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
  }

  private static boolean hasKernel() {
    try (Stream<Path> boot = Files.list(Path.of("/boot"))) {
      return boot.anyMatch(
          p -> p.getFileName().toString().startsWith("vmlinuz") && Files.isReadable(p));
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether KVM works here: {@code /dev/kvm} can exist without working (nested, no permission). */
  static final class KvmProbe {
    private static volatile Boolean usable;

    static boolean usable() {
      Boolean known = usable;
      if (known == null) {
        known = probe();
        usable = known;
        log.info("KVM {} for libguestfs' appliance", known ? "works" : "does not work: using TCG");
      }
      return known;
    }

    private static boolean probe() {
      if (!Files.exists(Path.of("/dev/kvm"))) {
        return false;
      }
      try {
        Process qemu =
            new ProcessBuilder(
                    "qemu-system-x86_64",
                    "-M",
                    "none",
                    "-accel",
                    "kvm",
                    "-display",
                    "none",
                    "-nodefaults",
                    "-no-user-config",
                    "-qmp",
                    "stdio")
                .redirectErrorStream(true)
                .start();
        qemu.getOutputStream()
            .write("{\"execute\":\"qmp_capabilities\"}{\"execute\":\"quit\"}\n".getBytes());
        qemu.getOutputStream().close();
        qemu.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        if (!qemu.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
          qemu.destroyForcibly();
          return false;
        }
        return qemu.exitValue() == 0;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /** The overlays of one run, in a directory beside the first disk; removed on close. */
  static final class Overlays implements AutoCloseable {
    private final Path dir;
    private final List<Path> files;
    private final String qemuImg;
    private final Duration timeout;

    private Overlays(Path dir, List<Path> files, String qemuImg, Duration timeout) {
      this.dir = dir;
      this.files = files;
      this.qemuImg = qemuImg;
      this.timeout = timeout;
    }

    static Overlays create(GuestConversionRequest request, String qemuImg, Duration timeout) {
      Path first = request.disks().get(0).path().toAbsolutePath();
      Path dir;
      try {
        dir = Files.createTempDirectory(first.getParent(), ".guest-conversion-");
      } catch (IOException e) {
        throw new VmImportException(
            ErrorCode.CONVERSION_FAILED,
            "cannot create a directory for overlays beside " + first,
            e);
      }
      List<Path> files = new ArrayList<>();
      Overlays overlays = new Overlays(dir, files, qemuImg, timeout);
      try {
        for (int i = 0; i < request.disks().size(); i++) {
          var disk = request.disks().get(i);
          Path overlay = dir.resolve("disk-" + i + ".qcow2");
          overlays.qemuImg(
              "creating an overlay on " + disk.path(),
              List.of(
                  qemuImg,
                  "create",
                  "-q",
                  "-f",
                  "qcow2",
                  "-b",
                  disk.path().toAbsolutePath().toString(),
                  "-F",
                  disk.format().id(),
                  overlay.toString()));
          files.add(overlay);
        }
        return overlays;
      } catch (RuntimeException e) {
        overlays.close();
        throw e;
      }
    }

    Path dir() {
      return dir;
    }

    /**
     * Why there is nothing to convert, when the boot disk has neither a partition table nor a file
     * system; empty when there may be a guest.
     */
    Optional<String> nothingToConvert(GuestConversionRequest request) {
      var disk = request.disks().get(0);
      Path head = dir.resolve("head.raw");
      qemuImg(
          "reading the start of " + disk.path(),
          List.of(
              qemuImg,
              "dd",
              "-f",
              disk.format().id(),
              "-O",
              "raw",
              "bs=" + BootDiskProbe.PROBE_BYTES,
              "count=1",
              "if=" + disk.path().toAbsolutePath(),
              "of=" + head));
      try {
        return BootDiskProbe.layout(head).isPresent()
            ? Optional.empty()
            : Optional.of(
                "no partition table or file system at the start of the boot disk "
                    + disk.path().getFileName()
                    + ": no operating system to convert");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The libvirt XML virt-v2v reads: the source VM as VMware had it, its disks the overlays. */
    Path writeDomain(GuestConversionRequest request) {
      StringBuilder xml = new StringBuilder();
      xml.append("<domain type='vmware'>\n  <name>")
          .append(escape(request.vmName()))
          .append("</name>\n");
      xml.append("  <memory unit='MiB'>1024</memory>\n  <vcpu>1</vcpu>\n");
      xml.append("  <os><type arch='x86_64'>hvm</type>");
      if (request.firmware() == FirmwareType.EFI) {
        // virt-v2v reads the firmware from the loader; the path itself is not used in place
        xml.append("<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>");
      }
      xml.append("<boot dev='hd'/></os>\n  <features><acpi/><apic/></features>\n  <devices>\n");
      for (int i = 0; i < files.size(); i++) {
        xml.append("    <disk type='file' device='disk'>\n")
            .append("      <driver name='qemu' type='qcow2'/>\n")
            .append("      <source file='")
            .append(escape(files.get(i).toString()))
            .append("'/>\n")
            .append("      <target dev='sd")
            .append((char) ('a' + Math.min(i, 25)))
            .append("' bus='scsi'/>\n")
            .append("    </disk>\n");
      }
      xml.append("  </devices>\n</domain>\n");
      Path domain = dir.resolve("domain.xml");
      try {
        Files.writeString(domain, xml);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return domain;
    }

    /**
     * Writes the overlays into their disks. Not cancellable: stopping halfway would leave one disk
     * converted and another not.
     */
    void commit() {
      for (Path overlay : files) {
        qemuImg("committing " + overlay, List.of(qemuImg, "commit", "-q", overlay.toString()));
      }
    }

    private void qemuImg(String what, List<String> command) {
      ToolRun.Result run = ToolRun.run(command, Map.of(), dir, timeout, () -> false, line -> {});
      if (!run.succeeded()) {
        throw new VmImportException(
            ErrorCode.CONVERSION_FAILED,
            what
                + " failed ("
                + run.end()
                + ", exit "
                + run.exitCode()
                + "): "
                + String.join(" | ", run.tail()));
      }
    }

    @Override
    public void close() {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        log.warn("cannot remove the overlays in {}: {}", dir, e.toString());
      }
    }

    private static String escape(String s) {
      return s.replace("&", "&amp;")
          .replace("<", "&lt;")
          .replace(">", "&gt;")
          .replace("'", "&apos;");
    }
  }
}
