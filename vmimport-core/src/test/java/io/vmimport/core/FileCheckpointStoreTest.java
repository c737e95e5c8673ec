package io.vmimport.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCheckpointStoreTest {
  @TempDir Path dir;
  private final ImportRef ref = new ImportRef("default", "web");

  @Test
  void survivesANewStoreInstance() {
    Checkpoint checkpoint =
        Checkpoint.EMPTY.withDisk(new Checkpoint.FinishedDisk("2000", "/out/disk-0.qcow2", 42));
    new FileCheckpointStore(dir).save(ref, checkpoint);

    assertThat(new FileCheckpointStore(dir).load(ref)).contains(checkpoint);
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
