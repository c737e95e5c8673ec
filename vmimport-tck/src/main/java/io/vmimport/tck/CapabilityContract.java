package io.vmimport.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vmimport.api.Capability;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.VmLocator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capability truthfulness: core relies on declared capabilities and asks for no other, so a
 * declared one must work and an undeclared one must fail with {@link ErrorCode#NOT_SUPPORTED}
 * rather than do something else silently. Checks that need a running VM use {@link
 * ProviderFixture#poweredOnVm()} and are skipped, with a message, when the fixture has none.
 */
public abstract class CapabilityContract extends ProviderContract {
  @TempDir Path exportDir;

  @Test
  void guestShutdownWorksIfAndOnlyIfDeclared() {
    try (SourceSession session = openGoodSource()) {
      if (!declares(Capability.GUEST_SHUTDOWN)) {
        SourceVm vm = describe(session, fixture().knownVm());
        VmImportException refused =
            catchThrowableOfType(VmImportException.class, () -> session.power().shutdownGuest(vm));
        assertThat(refused)
            .as("shutdownGuest() without GUEST_SHUTDOWN declared must throw NOT_SUPPORTED")
            .isNotNull();
        assertThat(refused.code()).as("code of %s", refused).isEqualTo(ErrorCode.NOT_SUPPORTED);
        return;
      }
      SourceVm vm = describePoweredOnVm(session, "GUEST_SHUTDOWN is declared");
      try {
        session.power().shutdownGuest(vm);
      } catch (VmImportException e) {
        if (e.code() == ErrorCode.NOT_SUPPORTED) {
          throw new AssertionError("GUEST_SHUTDOWN is declared but shutdownGuest() threw " + e, e);
        }
        throw e;
      }
      ExportSteps.awaitPowerState(session, vm, PowerState.OFF, timeout());
    }
  }

  @Test
  void hardPowerOffWorksWhenDeclared() {
    // powerOff() is not optional (it is the source's stop operation), so only a declared
    // HARD_POWER_OFF makes a promise to check here; the export suite uses powerOff() as well
    assumeTrue(declares(Capability.HARD_POWER_OFF), "HARD_POWER_OFF is not declared");
    try (SourceSession session = openGoodSource()) {
      SourceVm vm = describePoweredOnVm(session, "HARD_POWER_OFF is declared");

      session.power().powerOff(vm);

      ExportSteps.awaitPowerState(session, vm, PowerState.OFF, timeout());
    }
  }

  @Test
  void exportOfPoweredOnVmWorksIfAndOnlyIfDeclared() throws Exception {
    boolean declared = declares(Capability.EXPORT_POWERED_ON);
    try (SourceSession session = openGoodSource()) {
      SourceVm vm =
          describePoweredOnVm(
              session,
              "exporting a running VM must "
                  + (declared ? "work (EXPORT_POWERED_ON declared)" : "fail with NOT_SUPPORTED"));
      Set<String> before = fixture().sourceArtifacts();

      Optional<VmImportException> refused = exportFirstDiskHead(session, vm);

      if (declared) {
        refused.ifPresent(
            e -> {
              throw new AssertionError("EXPORT_POWERED_ON is declared but export threw " + e, e);
            });
      } else {
        assertThat(refused)
            .as(
                "export of running VM '%s' without EXPORT_POWERED_ON declared must throw"
                    + " NOT_SUPPORTED from begin(), prepare() or open()",
                vm.name())
            .isPresent();
        assertThat(refused.get().code())
            .as("code of %s", refused.get())
            .isEqualTo(ErrorCode.NOT_SUPPORTED);
      }
      ExportSteps.awaitArtifacts(fixture(), before, "an export of a running VM");
    }
  }

  @Test
  void parallelDiskExportWorksWhenDeclared() throws Exception {
    assumeTrue(declares(Capability.PARALLEL_DISK_EXPORT), "PARALLEL_DISK_EXPORT is not declared");
    try (SourceSession session = openGoodSource()) {
      SourceVm vm = describe(session, fixture().knownVm());
      int disks = vm.disks().size();
      assumeTrue(disks >= 2, "the known VM has a single disk; parallel export needs two");
      ExportSteps.powerOff(session, vm, timeout());
      Set<String> before = fixture().sourceArtifacts();

      ExecutorService pool = Executors.newFixedThreadPool(disks);
      List<DiskFormat> formats = new ArrayList<>();
      ExportSession export = session.exporter().begin(vm, ExportSteps.OWNER);
      try {
        // every transfer waits at the barrier with its stream open, so all of them overlap
        CyclicBarrier allOpen = new CyclicBarrier(disks);
        List<Future<DiskFormat>> transfers = new ArrayList<>();
        for (SourceDisk disk : vm.disks()) {
          transfers.add(pool.submit(() -> transfer(export, disk, allOpen)));
        }
        for (Future<DiskFormat> transfer : transfers) {
          formats.add(transfer.get(timeout().toMillis(), TimeUnit.MILLISECONDS));
        }
        ExportSteps.complete(export, fixture());
      } catch (Throwable failure) {
        ExportSteps.abortAfter(export, failure, fixture());
        throw failure;
      } finally {
        pool.shutdownNow();
      }

      ExportSteps.awaitArtifacts(fixture(), before, "completeStep() of a parallel export");
      for (int i = 0; i < disks; i++) {
        SourceDisk disk = vm.disks().get(i);
        fixture().verifyExport(disk, formats.get(i), fileOf(disk.index()));
      }
    }
  }

  private DiskFormat transfer(ExportSession export, SourceDisk disk, CyclicBarrier allOpen)
      throws Exception {
    ExportSteps.awaitPrepared(export, disk, timeout());
    try (DiskStream stream = export.open(disk)) {
      allOpen.await(timeout().toMillis(), TimeUnit.MILLISECONDS);
      ExportSteps.copy(stream, fileOf(disk.index()));
      return stream.format();
    }
  }

  /**
   * Begins an export, prepares and opens the first disk and reads a little of it, then ends the
   * export (completed on success, aborted on failure).
   *
   * @return the VmImportException the provider refused with, if any
   */
  private Optional<VmImportException> exportFirstDiskHead(SourceSession session, SourceVm vm)
      throws Exception {
    ExportSession export;
    try {
      export = session.exporter().begin(vm, ExportSteps.OWNER);
    } catch (VmImportException e) {
      return Optional.of(e);
    }
    try {
      if (!vm.disks().isEmpty()) {
        SourceDisk disk = vm.disks().get(0);
        ExportSteps.awaitPrepared(export, disk, timeout());
        try (DiskStream stream = export.open(disk)) {
          stream.input().readNBytes(4096);
        }
      }
    } catch (VmImportException e) {
      ExportSteps.abortAfter(export, e, fixture());
      return Optional.of(e);
    } catch (Throwable failure) {
      ExportSteps.abortAfter(export, failure, fixture());
      throw failure;
    }
    ExportSteps.complete(export, fixture());
    return Optional.empty();
  }

  private SourceVm describePoweredOnVm(SourceSession session, String why) {
    Optional<VmLocator> poweredOn = fixture().poweredOnVm();
    assumeTrue(
        poweredOn.isPresent(), why + ", but the fixture has no poweredOnVm() to check it on");
    SourceVm vm = describe(session, poweredOn.get());
    assertThat(session.power().state(vm))
        .as("fixture: power state of poweredOnVm() '%s'", vm.name())
        .isEqualTo(PowerState.ON);
    return vm;
  }

  private boolean declares(Capability capability) {
    return provider().capabilities().contains(capability);
  }

  private Path fileOf(int diskIndex) {
    return exportDir.resolve("disk-" + diskIndex);
  }

  private Duration timeout() {
    return fixture().timeout();
  }
}
