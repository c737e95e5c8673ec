package io.vmimport.cli;

import io.vmimport.api.Capability;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Cpu;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.PowerControl;
import io.vmimport.api.source.Preparation;
import io.vmimport.api.source.SourceProvider;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.SourceValidator;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmInventory;
import io.vmimport.api.source.VmLocator;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A source provider for the CLI's tests, kind {@code testdisk} ({@code TestdiskSource}): one
 * powered-off VM whose disks are the {@code *.raw} files of a folder, exported as they are.
 *
 * <p>Spec fields: {@code path} (the folder), {@code vmName} (or several, comma-separated: a VM
 * whose subfolder {@code <path>/<vmName>} exists has its disks there, with the same file names, so
 * the same disk keys, as the others), {@code cpus}, {@code coresPerSocket}, {@code memoryMiB},
 * {@code preflightWarning} (a warning preflight reports); for tests of failures, {@code
 * bytesPerSecond} (a slow export, to cancel it) and {@code failOnce} (a marker file: while it
 * exists, opening the last disk removes it and fails, as a crash would). Its Secret must hold
 * {@code token: test-token}. An export holds a "lease", the file {@code .export-lease} in the
 * folder, until it is completed or aborted, so tests can check that nothing is left on the source.
 */
public final class TestDiskProvider implements SourceProvider {
  public static final String KIND = "testdisk";
  public static final String TOKEN = "test-token";
  public static final String LEASE = ".export-lease";

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.HARD_POWER_OFF);
  }

  @Override
  public SourceSession open(SourceSpec source) {
    String token = source.credentials().require("token");
    if (!TOKEN.equals(token)) {
      throw new VmImportException(
          ErrorCode.AUTHENTICATION_FAILED,
          "source "
              + source.name()
              + " rejected the token of Secret "
              + source.credentials().secretName());
    }
    Path folder = Path.of(source.requireSetting("path"));
    if (!Files.isDirectory(folder)) {
      throw new VmImportException(
          ErrorCode.SOURCE_UNAVAILABLE, folder + " is not a folder", null, false);
    }
    return new Session(source, folder);
  }

  private static final class Session implements SourceSession {
    private final SourceSpec source;
    private final Path folder;

    Session(SourceSpec source, Path folder) {
      this.source = source;
      this.folder = folder;
    }

    @Override
    public SourceValidator validator() {
      return new SourceValidator() {
        @Override
        public List<ValidationIssue> checkSource() {
          return List.of();
        }

        @Override
        public List<ValidationIssue> preflight(ImportSpec spec) {
          return source
              .setting("preflightWarning")
              .map(text -> List.of(ValidationIssue.warning(ErrorCode.NOT_FOUND, text)))
              .orElse(List.of());
        }
      };
    }

    @Override
    public VmInventory inventory() {
      return new VmInventory() {
        @Override
        public SourceVm describe(VmLocator locator) {
          List<String> names = vmNames();
          if (!names.contains(locator.nameOrId())) {
            throw new VmImportException(
                ErrorCode.NOT_FOUND,
                "VM '" + locator + "' not found; available: [" + String.join(", ", names) + "]");
          }
          return vm(locator.nameOrId());
        }

        @Override
        public List<String> list() {
          return vmNames();
        }
      };
    }

    private List<String> vmNames() {
      return List.of(source.requireSetting("vmName").split(",\\s*"));
    }

    /** Where the disks of VM {@code name} are. */
    private Path diskFolder(String name) {
      Path own = folder.resolve(name);
      return Files.isDirectory(own) ? own : folder;
    }

    private SourceVm vm(String name) {
      List<SourceDisk> disks = new ArrayList<>();
      List<Path> files = diskFiles(diskFolder(name));
      for (int i = 0; i < files.size(); i++) {
        Path file = files.get(i);
        long size = size(file);
        String fileName = file.getFileName().toString();
        disks.add(
            i == 0
                ? new SourceDisk(
                    i,
                    fileName,
                    fileName,
                    size,
                    OptionalLong.of(size),
                    Optional.of(DiskBus.VIRTIO),
                    OptionalInt.of(1))
                : SourceDisk.of(i, fileName, fileName, size));
      }
      return new SourceVm(
          "testdisk-" + name,
          name,
          new Cpu(
              Integer.parseInt(source.setting("cpus").orElse("2")),
              Integer.parseInt(source.setting("coresPerSocket").orElse("1"))),
          Long.parseLong(source.setting("memoryMiB").orElse("512")),
          Firmware.BIOS,
          disks,
          List.of(SourceNic.of(0, "52:54:00:00:00:01", NicModel.E1000, "testnet")),
          Optional.of("a VM of the testdisk provider"),
          Optional.empty());
    }

    private List<Path> diskFiles(Path folder) {
      try (Stream<Path> files = Files.list(folder)) {
        return files.filter(f -> f.getFileName().toString().endsWith(".raw")).sorted().toList();
      } catch (IOException e) {
        throw new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, "cannot list " + folder, e);
      }
    }

    @Override
    public void close() {}

    @Override
    public PowerControl power() {
      return new PowerControl() {
        @Override
        public PowerState state(SourceVm vm) {
          return PowerState.OFF;
        }

        @Override
        public void powerOff(SourceVm vm) {}
      };
    }

    @Override
    public DiskExporter exporter() {
      return (vm, owner) -> {
        Path lease = folder.resolve(LEASE);
        try {
          Files.writeString(lease, vm.name());
        } catch (IOException e) {
          throw new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, "cannot create " + lease, e);
        }
        return new Export(vm, lease);
      };
    }

    private final class Export implements ExportSession {
      private final SourceVm vm;
      private final Path lease;

      Export(SourceVm vm, Path lease) {
        this.vm = vm;
        this.lease = lease;
      }

      @Override
      public Preparation prepare(SourceDisk disk) {
        return Preparation.ready();
      }

      @Override
      public DiskStream open(SourceDisk disk) {
        Optional<Path> failOnce = source.setting("failOnce").map(Path::of);
        boolean last = disk.index() == vm.disks().size() - 1;
        try {
          if (last && failOnce.isPresent() && Files.deleteIfExists(failOnce.get())) {
            throw new VmImportException(
                ErrorCode.EXPORT_FAILED,
                "simulated crash while exporting " + disk.name(),
                null,
                false);
          }
          Path file = diskFolder(vm.name()).resolve(disk.key());
          InputStream input = Files.newInputStream(file);
          long rate = Long.parseLong(source.setting("bytesPerSecond").orElse("0"));
          return new DiskStream(
              rate > 0 ? new Throttled(input, rate) : input,
              DiskFormat.RAW,
              OptionalLong.of(Files.size(file)));
        } catch (IOException e) {
          throw new VmImportException(ErrorCode.EXPORT_FAILED, "cannot open " + disk.name(), e);
        }
      }

      @Override
      public void complete() {
        removeLease();
      }

      @Override
      public void abort() {
        removeLease();
      }

      private void removeLease() {
        try {
          Files.deleteIfExists(lease);
        } catch (IOException e) {
          throw new VmImportException(ErrorCode.CLEANUP_FAILED, "cannot remove " + lease, e);
        }
      }
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads at most {@code bytesPerSecond}, in 64 KiB steps. */
  private static final class Throttled extends FilterInputStream {
    private static final int STEP = 64 * 1024;
    private final long bytesPerSecond;
    private volatile boolean closed;

    Throttled(InputStream in, long bytesPerSecond) {
      super(in);
      this.bytesPerSecond = bytesPerSecond;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (closed) {
        throw new IOException("stream closed");
      }
      int step = Math.min(length, STEP);
      try {
        Thread.sleep(Math.max(1, step * 1000L / bytesPerSecond));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("export interrupted");
      }
      return super.read(buffer, offset, step);
    }

    @Override
    public void close() throws IOException {
      closed = true;
      super.close();
    }
  }
}
