package io.vmimport.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.ImportRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScratchFilesTest {
  private static final ImportRef WEB = new ImportRef("team-a", "web-import", "uid-1");

  @TempDir Path root;

  @Test
  void anImportsFilesSitInOneFolderNamedByItsNamespaceAndName() {
    ScratchFiles scratch = new ScratchFiles(root);

    assertThat(scratch.importDir(WEB)).isEqualTo(root.resolve("team-a/web-import"));
    assertThat(scratch.stagingDir(WEB)).isEqualTo(root.resolve("team-a/web-import/staging"));
    assertThat(scratch.stagedFile(WEB, "disk-0", DiskFormat.VMDK))
        .isEqualTo(root.resolve("team-a/web-import/staging/disk-0.vmdk"));
    assertThat(scratch.targetDir(WEB)).isEqualTo(root.resolve("team-a/web-import/target"));
  }

  /**
   * Namespace and name joined into one folder name ({@code <namespace>_<name>}) would give {@code
   * a_b/c} and {@code a/b_c} the same folder; as two folders, and as labels, they never meet.
   */
  @Test
  void namespaceNamePairsThatWouldFlattenAlikeGetFoldersOfTheirOwn() {
    ScratchFiles scratch = new ScratchFiles(root);
    ImportRef first = new ImportRef("a_b", "c", "uid-1");
    ImportRef second = new ImportRef("a", "b_c", "uid-2");

    assertThat(scratch.importDir(first)).isNotEqualTo(scratch.importDir(second));
    for (ImportRef ref : new ImportRef[] {first, second}) {
      Path folder = root.relativize(scratch.importDir(ref));
      assertThat(folder.getNameCount()).as("namespace, then name").isEqualTo(2);
      assertThat(DnsNames.isLabel(folder.getName(0).toString())).isTrue();
      assertThat(DnsNames.isLabel(folder.getName(1).toString())).isTrue();
      assertThat(scratch.stagingDir(ref)).startsWithRaw(scratch.importDir(ref));
      assertThat(scratch.targetDir(ref)).startsWithRaw(scratch.importDir(ref));
    }
    assertThat(scratch.stagingDir(first))
        .matches(
            path -> !path.startsWith(scratch.importDir(second)),
            "not below " + scratch.importDir(second))
        .isNotEqualTo(scratch.targetDir(first));
    assertThat(scratch.targetDir(second))
        .matches(
            path -> !path.startsWith(scratch.importDir(first)),
            "not below " + scratch.importDir(first));
  }

  @Test
  void importsOfOneNameInTwoNamespacesShareNoFolder() {
    ScratchFiles scratch = new ScratchFiles(root);
    ImportRef other = new ImportRef("team-b", "web-import", "uid-2");

    assertThat(scratch.importDir(other)).isNotEqualTo(scratch.importDir(WEB));
    assertThat(scratch.stagingDir(other))
        .matches(
            path -> !path.startsWith(scratch.importDir(WEB)),
            "not below " + scratch.importDir(WEB));
  }

  @Test
  void removingTheStagingLeavesTheTargetsFilesAndTheOtherWayRound() throws IOException {
    ScratchFiles scratch = new ScratchFiles(root);
    Path staged = write(scratch.stagedFile(WEB, "disk-0", DiskFormat.VMDK));
    Path served = write(scratch.targetDir(WEB).resolve("disk-0.qcow2"));

    scratch.removeStaging(WEB);

    assertThat(scratch.stagingDir(WEB)).doesNotExist();
    assertThat(served).exists();

    write(staged);
    scratch.removeTargetFiles(WEB);

    assertThat(scratch.targetDir(WEB)).doesNotExist();
    assertThat(staged).exists();

    scratch.removeStaging(WEB);

    assertThat(scratch.importDir(WEB)).as("gone with the last of its files").doesNotExist();
    assertThat(root.resolve("team-a")).as("the namespace's folder stays").isDirectory();
  }

  @Test
  void removingWhatIsNotThereIsNoError() throws IOException {
    ScratchFiles scratch = new ScratchFiles(root.resolve("never-created"));

    scratch.removeStaging(WEB);
    scratch.removeTargetFiles(WEB);

    assertThat(root.resolve("never-created")).doesNotExist();
  }

  private static Path write(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    return Files.write(file, new byte[] {1, 2, 3});
  }
}
