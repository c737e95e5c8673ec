package io.vmimport.provider.vmware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.Preparation;
import io.vmimport.api.source.SourceSession;
import io.vmimport.provider.vmware.internal.VmwareExportSession;
import io.vmimport.provider.vmware.internal.VmwareSourceSession;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmwareExportIT {
  private static final ArtifactOwner OWNER =
      new ArtifactOwner("5e2d8c1a-4b3f-4a9e-8d7c-vmware-it-01", "default/vmware-it");

  private static final Duration DEADLINE = Duration.ofSeconds(60);
  @TempDir static Path dir;
  static VcsimWorld world;

  @BeforeAll
  static void startVcsim() throws Exception {
    world = VcsimWorld.start(dir);
  }

  @AfterAll
  static void stopVcsim() throws Exception {
    if (world != null) {
      world.close();
    }
  }

  private SourceSession open() {
    return new VmwareSourceProvider().open(world.insecureSource());
  }

  static void awaitReady(ExportSession export, SourceDisk disk) throws InterruptedException {
    Instant deadline = Instant.now().plus(DEADLINE);
    Preparation preparation;
    while (!(preparation = export.prepare(disk)).isReady()) {
      assertThat(Instant.now()).as("disk %s ready in time", disk.name()).isBefore(deadline);
      TimeUnit.MILLISECONDS.sleep(Math.min(500, preparation.retryAfter().toMillis()));
    }
  }

  static Path download(ExportSession export, SourceDisk disk, Path target) throws Exception {
    awaitReady(export, disk);
    try (DiskStream stream = export.open(disk)) {
      assertThat(stream.format()).isEqualTo(DiskFormat.VMDK);
      VcsimWorld.copy(stream.input(), target);
    }
    return target;
  }

  /** Converts the exported streamOptimized VMDK to raw and compares it with the known content. */
  static void assertSameContent(Path exportedVmdk, Path expectedRaw) throws Exception {
    assertThat(VcsimWorld.run("qemu-img", "info", exportedVmdk.toString()))
        .contains("streamOptimized");
    Path converted = exportedVmdk.resolveSibling(exportedVmdk.getFileName() + ".raw");
    VcsimWorld.run(
        "qemu-img",
        "convert",
        "-f",
        "vmdk",
        "-O",
        "raw",
        exportedVmdk.toString(),
        converted.toString());
    VcsimWorld.run(
        "qemu-img",
        "compare",
        "-f",
        "raw",
        "-F",
        "raw",
        "-s",
        converted.toString(),
        expectedRaw.toString());
    assertThat(Files.size(converted)).isEqualTo(Files.size(expectedRaw));
  }

  private static String leaseState(SourceSession session, ExportSession export) {
    var connection = ((VmwareSourceSession) session).connection();
    var lease = ((VmwareExportSession) export).lease();
    try {
      return String.valueOf(connection.properties(lease, "state").get("state"));
    } catch (VmImportException e) {
      if (e.code() == ErrorCode.NOT_FOUND) {
        return "gone";
      }
      throw e;
    }
  }

  @Test
  void exportsEveryDiskInParallelUnchangedAndCompletesTheLease() throws Exception {
    try (SourceSession session = open()) {
      SourceVm vm = session.inventory().describe(VcsimWorld.web01());
      assertThat(session.power().state(vm)).isEqualTo(PowerState.OFF);
      ExportSession export = session.exporter().begin(vm, OWNER);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<Path>> downloads = new ArrayList<>();
        for (SourceDisk disk : vm.disks()) {
          downloads.add(
              pool.submit(
                  () -> download(export, disk, dir.resolve("web01-" + disk.index() + ".vmdk"))));
        }
        export.keepAlive(50);
        for (int i = 0; i < downloads.size(); i++) {
          assertSameContent(downloads.get(i).get(2, TimeUnit.MINUTES), world.raws().get(i));
        }
      } finally {
        pool.shutdownNow();
      }
      export.complete();
      assertThat(leaseState(session, export)).isIn("done", "gone");
    }
  }

  @Test
  void abortAfterPartialReadEndsTheLease() throws Exception {
    try (SourceSession session = open()) {
      SourceVm vm = session.inventory().describe(VcsimWorld.web01());
      ExportSession export = session.exporter().begin(vm, OWNER);
      assertThat(leaseState(session, export)).isIn("initializing", "ready");
      SourceDisk disk = vm.disks().get(0);
      awaitReady(export, disk);
      DiskStream stream = export.open(disk);
      InputStream in = stream.input();
      assertThat(in.readNBytes(1024)).hasSize(1024);
      export.abort();
      assertThat(leaseState(session, export)).isIn("error", "gone");
      stream.close();
    }
  }

  /**
   * Why the vSphere provider records no artifacts for a later process to release: an NFC lease
   * belongs to the session that requested it (its id starts with {@code session[...]}); another
   * session cannot see it, let alone abort it. vSphere itself ends a lease nobody reports progress
   * on once its timeout passes.
   */
  @Test
  void aLeaseBelongsToTheSessionThatRequestedIt() throws Exception {
    try (SourceSession owner = open();
        SourceSession other = open()) {
      SourceVm vm = owner.inventory().describe(VcsimWorld.web01());
      ExportSession export = owner.exporter().begin(vm, OWNER);
      awaitReady(export, vm.disks().get(0));
      assertThat(((VmwareExportSession) export).lease().getVal()).startsWith("session[");

      assertThat(leaseState(owner, export)).isEqualTo("ready");
      assertThat(leaseState(other, export)).as("seen from another session").isEqualTo("gone");
      assertThat(export.artifacts()).isEmpty();
      export.abort();
    }
  }

  @Test
  void exportOfPoweredOnVmFailsSayingToPowerItOff() throws Exception {
    try (SourceSession session = open()) {
      SourceVm running = session.inventory().describe(VcsimWorld.app01());
      if (session.power().state(running) != PowerState.ON) {
        world.vcsim.govc("vm.power", "-on", VcsimWorld.RUNNING_VM);
      }
      assertThatThrownBy(() -> session.exporter().begin(running, OWNER))
          .isInstanceOf(VmImportException.class)
          .hasMessageContaining("power it off")
          .extracting(e -> ((VmImportException) e).code())
          .isEqualTo(ErrorCode.NOT_SUPPORTED);
    }
  }

  @Test
  void poweredOnVmIsShutDownThenExported() throws Exception {
    try (SourceSession session = open()) {
      SourceVm vm = session.inventory().describe(VcsimWorld.app01());
      if (session.power().state(vm) != PowerState.ON) {
        world.vcsim.govc("vm.power", "-on", VcsimWorld.RUNNING_VM);
      }
      assertThat(session.power().state(vm)).isEqualTo(PowerState.ON);
      session.power().shutdownGuest(vm);
      Instant deadline = Instant.now().plus(DEADLINE);
      while (session.power().state(vm) != PowerState.OFF) {
        assertThat(Instant.now()).as("VM off in time").isBefore(deadline);
        TimeUnit.MILLISECONDS.sleep(200);
      }
      ExportSession export = session.exporter().begin(vm, OWNER);
      Path exported = download(export, vm.disks().get(0), dir.resolve("app01.vmdk"));
      export.complete();
      assertSameContent(exported, world.raw1);
    } finally {
      world.vcsim.govc("vm.power", "-on", VcsimWorld.RUNNING_VM);
    }
  }

  @Test
  void hardPowerOffStopsTheVm() throws Exception {
    try (SourceSession session = open()) {
      SourceVm vm = session.inventory().describe(VcsimWorld.app01());
      if (session.power().state(vm) != PowerState.ON) {
        world.vcsim.govc("vm.power", "-on", VcsimWorld.RUNNING_VM);
      }
      session.power().powerOff(vm);
      Instant deadline = Instant.now().plus(DEADLINE);
      while (session.power().state(vm) != PowerState.OFF) {
        assertThat(Instant.now()).as("VM off in time").isBefore(deadline);
        TimeUnit.MILLISECONDS.sleep(200);
      }
    } finally {
      world.vcsim.govc("vm.power", "-on", VcsimWorld.RUNNING_VM);
    }
  }
}
