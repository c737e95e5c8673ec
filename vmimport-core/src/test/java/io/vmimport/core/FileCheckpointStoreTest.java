package io.vmimport.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.SourceArtifact;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCheckpointStoreTest {
  @TempDir Path dir;
  private final ImportRef ref = new ImportRef("default", "web", "uid-web");

  @Test
  void survivesANewStoreInstanceWithWhatEachDiskWasExportedFrom() {
    Checkpoint checkpoint =
        Checkpoint.of("uid-web")
            .withDisk(
                new Checkpoint.FinishedDisk(
                    "2000", "/out/disk-0.qcow2", 42, "vmware https://vcenter/sdk", "vm-42", 1024))
            .withGuestConverted(List.of(), "debian 12: converted by virt-v2v in 244 s");
    new FileCheckpointStore(dir).save(ref, checkpoint);

    Checkpoint loaded = new FileCheckpointStore(dir).load(ref).orElseThrow();
    assertThat(loaded).isEqualTo(checkpoint);
    assertThat(loaded.importUid()).isEqualTo("uid-web");
    assertThat(loaded.disks().get("2000").vmId()).isEqualTo("vm-42");
  }

  @Test
  void keepsWhatTheExportHoldsOnTheSourceInOrder() {
    Checkpoint checkpoint =
        Checkpoint.EMPTY.withSourceArtifacts(
            List.of(
                new SourceArtifact("snapshot", "s-1"),
                new SourceArtifact("volume", "v-1"),
                new SourceArtifact("image", "i-1")));
    new FileCheckpointStore(dir).save(ref, checkpoint);

    assertThat(new FileCheckpointStore(dir).load(ref).orElseThrow().sourceArtifacts())
        .containsExactlyElementsOf(checkpoint.sourceArtifacts());
  }

  @Test
  void readsAFileWrittenBeforeArtifactsWereKept() throws Exception {
    FileCheckpointStore store = new FileCheckpointStore(dir);
    Files.writeString(
        store.file(ref),
        "{\"disks\":{\"2000\":{\"diskKey\":\"2000\",\"path\":\"/out/d.qcow2\",\"sizeBytes\":7}}}");

    Checkpoint loaded = store.load(ref).orElseThrow();

    assertThat(loaded.disks()).containsOnlyKeys("2000");
    assertThat(loaded.sourceArtifacts()).isEmpty();
    assertThat(loaded.importUid()).as("not recorded then").isEmpty();
    assertThat(loaded.disks().get("2000").source()).isEmpty();
    assertThat(loaded.disks().get("2000").vmId()).isEmpty();
  }

  @Test
  void deleteRemovesTheFile() {
    FileCheckpointStore store = new FileCheckpointStore(dir);
    store.save(ref, Checkpoint.EMPTY);

    store.delete(ref);

    assertThat(store.load(ref)).isEmpty();
    assertThat(Files.exists(store.file(ref))).isFalse();
  }

  @Test
  void aCorruptFileSaysHowToRecover() throws Exception {
    FileCheckpointStore store = new FileCheckpointStore(dir);
    Files.writeString(store.file(ref), "{not json");

    assertThatThrownBy(() -> store.load(ref))
        .isInstanceOf(VmImportException.class)
        .hasMessageContaining(store.file(ref).toString())
        .hasMessageContaining("delete it to start over");
  }
}
