package io.vmimport.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.model.Cpu;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.core.Checkpoint;
import io.vmimport.core.CheckpointStore;
import io.vmimport.core.InMemoryCheckpointStore;
import io.vmimport.core.RetainingCheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointJournalTest {
  private static final ImportRef REF = new ImportRef("default", "web", "uid-web");
  private static final String SOURCE = "vmware https://vc.lab/sdk";
  private static final SourceArtifact LEASE = new SourceArtifact("lease", "lease-1");

  @TempDir Path dir;

  private final CountingStore store = new CountingStore();
  private final CheckpointJournal journal = new CheckpointJournal(store, REF);
  private final SourceVm vm = vm("vm-42");
  private final TargetDisk disk0 = disk(0, "2000", 3 << 20);
  private final TargetDisk disk1 = disk(1, "2001", 2 << 20);

  @BeforeEach
  void files() throws IOException {
    Files.write(file(disk0), new byte[100]);
    Files.write(file(disk1), new byte[200]);
  }

  @Test
  void aRunTakesOverTheDisksItsImportFinished() {
    journal.diskFinished(SOURCE, vm, disk0, file(disk0), 100);
    journal.diskFinished(SOURCE, vm, disk1, file(disk1), 200);

    CheckpointJournal.Resumption next = resume(new CheckpointJournal(store, REF), vm);

    assertThat(next.disks())
        .extracting(CheckpointJournal.ReusedDisk::disk, CheckpointJournal.ReusedDisk::sizeBytes)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(disk0, 100L),
            org.assertj.core.groups.Tuple.tuple(disk1, 200L));
    assertThat(next.warnings()).isEmpty();
  }

  @Test
  void aFileChangedSinceIsNotTakenOverButStaysRecorded() throws IOException {
    journal.diskFinished(SOURCE, vm, disk0, file(disk0), 100);
    Files.write(file(disk0), new byte[99]);

    CheckpointJournal.Resumption next = resume(journal, vm);

    assertThat(next.disks()).isEmpty();
    assertThat(next.warnings()).as("the export simply runs again").isEmpty();
    assertThat(store.load(REF).orElseThrow().disks()).containsOnlyKeys("2000");
  }

  @Test
  void aDiskOfAnotherVmIsForgottenWithAWarning() {
    journal.diskFinished(SOURCE, vm, disk0, file(disk0), 100);
    int saves = store.saves;

    CheckpointJournal.Resumption next = resume(journal, vm("vm-77"));

    assertThat(next.disks()).isEmpty();
    assertThat(next.warnings())
        .singleElement()
        .asString()
        .contains("disk-0", "VM id 'vm-42' (now 'vm-77')", "exporting data.vmdk again");
    assertThat(store.saves).isEqualTo(saves + 1);
    assertThat(store.load(REF).orElseThrow().disks()).isEmpty();
  }

  @Test
  void theDisksOfAnotherImportOfTheSameNameAreIgnoredButItsLeftoversAreKept() {
    CheckpointJournal other =
        new CheckpointJournal(store, new ImportRef("default", "web", "uid-before"));
    other.diskFinished(SOURCE, vm, disk0, file(disk0), 100);
    other.recordArtifacts(List.of(LEASE));

    CheckpointJournal.Resumption next = resume(journal, vm);

    assertThat(next.disks()).isEmpty();
    assertThat(next.warnings())
        .singleElement()
        .asString()
        .contains("another import of the same name (uid uid-before)", "(uid uid-web)", "ignoring");
    Checkpoint saved = store.load(REF).orElseThrow();
    assertThat(saved.importUid()).isEqualTo("uid-web");
    assertThat(saved.disks()).isEmpty();
    assertThat(saved.sourceArtifacts()).as("still to be released").containsExactly(LEASE);
    assertThat(journal.leftovers()).containsExactly(LEASE);
  }

  @Test
  void disksOfACheckpointWithoutUidAreNotTrusted() {
    store.save(
        REF,
        new Checkpoint(
            "",
            Map.of(
                "2000",
                new Checkpoint.FinishedDisk(
                    "2000", file(disk0).toString(), 100, SOURCE, "vm-42", 3 << 20))));

    CheckpointJournal.Resumption next = resume(journal, vm);

    assertThat(next.disks()).isEmpty();
    assertThat(next.warnings())
        .singleElement()
        .asString()
        .contains("a run that did not record its import's uid");
  }

  @Test
  void artifactsAreSavedOnlyWhenTheyChange() {
    journal.recordArtifacts(List.of());
    assertThat(store.saves).as("nothing held, nothing recorded yet").isZero();

    journal.recordArtifacts(List.of(LEASE));
    journal.recordArtifacts(List.of(LEASE));
    assertThat(store.saves).isEqualTo(1);

    journal.recordArtifacts(List.of());
    assertThat(store.saves).isEqualTo(2);
    assertThat(store.load(REF).orElseThrow().sourceArtifacts()).isEmpty();
  }

  @Test
  void finishingADiskKeepsWhatTheExportHolds() {
    journal.recordArtifacts(List.of(LEASE));
    journal.diskFinished(SOURCE, vm, disk0, file(disk0), 100);

    Checkpoint saved = store.load(REF).orElseThrow();
    assertThat(saved.sourceArtifacts()).containsExactly(LEASE);
    assertThat(saved.disks().get("2000"))
        .isEqualTo(
            new Checkpoint.FinishedDisk(
                "2000", file(disk0).toString(), 100, SOURCE, "vm-42", 3 << 20));
  }

  @Test
  void releasedLeftoversAreForgottenAndTheRestKept() {
    SourceArtifact volume = new SourceArtifact("volume", "v-1");
    journal.diskFinished(SOURCE, vm, disk0, file(disk0), 100);
    journal.recordArtifacts(List.of(volume, LEASE));
    CheckpointJournal next = new CheckpointJournal(store, REF);

    next.keepLeftovers(List.of(volume));
    assertThat(next.leftovers()).containsExactly(volume);

    next.keepLeftovers(List.of());
    assertThat(next.leftovers()).isEmpty();
    assertThat(store.load(REF).orElseThrow().disks()).containsOnlyKeys("2000");
  }

  @Test
  void aCancelForgetsTheDisksAndKeepsOnlyWhatTheSourceStillHolds() {
    journal.diskFinished(SOURCE, vm, disk0, file(disk0), 100);
    journal.recordArtifacts(List.of(LEASE));

    journal.cancelled();

    assertThat(store.load(REF)).contains(Checkpoint.EMPTY.withSourceArtifacts(List.of(LEASE)));

    journal.recordArtifacts(List.of());
    journal.cancelled();

    assertThat(store.load(REF)).isEmpty();
  }

  @Test
  void successIsForTheStoreToDecide() {
    journal.diskFinished(SOURCE, vm, disk0, file(disk0), 100);
    journal.succeeded();
    assertThat(store.load(REF)).as("a plain store forgets").isEmpty();

    RetainingCheckpointStore retaining =
        new RetainingCheckpointStore(new InMemoryCheckpointStore());
    CheckpointJournal kept = new CheckpointJournal(retaining, REF);
    kept.diskFinished(SOURCE, vm, disk0, file(disk0), 100);
    kept.succeeded();
    assertThat(retaining.load(REF)).as("a retaining store keeps").isPresent();

    kept.discard();
    assertThat(retaining.load(REF)).isEmpty();
  }

  private CheckpointJournal.Resumption resume(CheckpointJournal journal, SourceVm source) {
    return journal.resume(SOURCE, source, List.of(disk0, disk1), this::file);
  }

  private Path file(TargetDisk disk) {
    return dir.resolve(disk.name() + ".raw");
  }

  private static SourceVm vm(String id) {
    return new SourceVm(
        id,
        "web01",
        new Cpu(2, 1),
        1024,
        Firmware.BIOS,
        List.of(),
        List.of(),
        Optional.empty(),
        Optional.empty());
  }

  private static TargetDisk disk(int index, String key, long capacity) {
    return new TargetDisk(
        "disk-" + index,
        SourceDisk.of(index, key, index == 0 ? "data.vmdk" : "boot.vmdk", capacity),
        DiskBus.VIRTIO,
        index + 1);
  }

  /**
   * Keeps checkpoints by namespace and name, as the CLI's state file and the operator's CR status
   * do (so an import created again under the same name finds the old one), and counts saves.
   */
  private static final class CountingStore implements CheckpointStore {
    private final Map<String, Checkpoint> checkpoints = new ConcurrentHashMap<>();
    int saves;

    @Override
    public Optional<Checkpoint> load(ImportRef ref) {
      return Optional.ofNullable(checkpoints.get(key(ref)));
    }

    @Override
    public void save(ImportRef ref, Checkpoint checkpoint) {
      saves++;
      checkpoints.put(key(ref), checkpoint);
    }

    @Override
    public void delete(ImportRef ref) {
      checkpoints.remove(key(ref));
    }

    private static String key(ImportRef ref) {
      return ref.namespace() + "/" + ref.name();
    }
  }
}
