package io.vmimport.core;

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
  void anImportsFoldersAreNamedByItsNamespaceAndNameAsLabels() {
    ScratchFiles scratch = new ScratchFiles(root);

    assertThat(scratch.importDir(WEB)).isEqualTo(root.resolve("team-a").resolve("web-import"));
    assertThat(scratch.stagingDir(WEB)).isEqualTo(root.resolve("team-a_web-import"));
    assertThat(scratch.stagedFile(WEB, "disk-0", DiskFormat.VMDK))
        .isEqualTo(root.resolve("team-a_web-import").resolve("disk-0.vmdk"));
  }

  @Test
  void namesThatAreNoLabelsBecomeLabelsWithoutUnderscores() {
    ScratchFiles scratch = new ScratchFiles(root);
    ImportRef odd = new ImportRef("Team_A", "Web_Import", "uid-3");

    Path importDir = root.relativize(scratch.importDir(odd));
    Path stagingDir = root.relativize(scratch.stagingDir(odd));

    assertThat(importDir.getNameCount()).isEqualTo(2);
    assertThat(importDir.toString()).doesNotContain("_").startsWith("team-a");
    assertThat(stagingDir.getNameCount()).isEqualTo(1);
    assertThat(stagingDir.toString().split("_"))
        .as("one underscore: between namespace and name")
        .containsExactly(importDir.getName(0).toString(), importDir.getName(1).toString());
  }

  @Test
  void importsOfOneNameInTwoNamespacesShareNoFolder() {
    ScratchFiles scratch = new ScratchFiles(root);
    ImportRef other = new ImportRef("team-b", "web-import", "uid-2");

    assertThat(scratch.importDir(other)).isNotEqualTo(scratch.importDir(WEB));
    assertThat(scratch.stagingDir(other)).isNotEqualTo(scratch.stagingDir(WEB));
    assertThat(scratch.stagingDir(WEB)).isNotEqualTo(scratch.importDir(WEB));
  }

  @Test
  void removingTheStagingLeavesTheTargetsFilesAndTheOtherWayRound() throws IOException {
    ScratchFiles scratch = new ScratchFiles(root);
    Path staged = write(scratch.stagedFile(WEB, "disk-0", DiskFormat.QCOW2));
    Path served = write(scratch.importDir(WEB).resolve("disk-0.qcow2"));

    scratch.removeStaging(WEB);

    assertThat(scratch.stagingDir(WEB)).doesNotExist();
    assertThat(served).exists();

    write(staged);
    scratch.removeImport(WEB);

    assertThat(scratch.importDir(WEB)).doesNotExist();
    assertThat(staged).exists();
  }

  @Test
  void removingWhatIsNotThereIsNoError() throws IOException {
    ScratchFiles scratch = new ScratchFiles(root.resolve("never-created"));

    scratch.removeStaging(WEB);
    scratch.removeImport(WEB);

    assertThat(root.resolve("never-created")).doesNotExist();
  }

  private static Path write(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    return Files.write(file, new byte[] {1, 2, 3});
  }
}
