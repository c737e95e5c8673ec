package io.vmimport.target.directory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.target.NetworkAttachment;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetCpu;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetNic;
import io.vmimport.api.target.TargetStatus;
import io.vmimport.api.target.TargetVm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryTargetTest {
  @TempDir Path dir;

  private final ImportRef ref = new ImportRef("default", "db-import", "uid-db");

  /** What the engine does with a target, in its order: write, publish, check, create the VM. */
  @Test
  void writesDisksAndAVmDescription() throws Exception {
    DirectoryTarget target = new DirectoryTarget(dir.resolve("out"), DiskFormat.RAW);
    TargetDisk disk =
        new TargetDisk("disk-0", SourceDisk.of(0, "k0", "db01.vmdk", 1 << 20), DiskBus.SATA, 1);
    TargetVm vm =
        new TargetVm(
            ref,
            "db01",
            "db01",
            Optional.empty(),
            new TargetCpu(2, 2, 1),
            4096,
            Firmware.BIOS,
            List.of(disk),
            List.of(
                new TargetNic(
                    "nic-0",
                    SourceNic.of(0, "00:50:56:00:00:01", NicModel.E1000E, "prod"),
                    "00:50:56:00:00:01",
                    NicModel.E1000E,
                    NetworkAttachment.multus("default", "vlan1"))),
            Optional.empty());
    byte[] content = new byte[1 << 20];
    content[12345] = 42;

    assertThat(target.preflight(vm))
        .as("a directory yet to be made under a writable one")
        .isEmpty();
    Path file = target.diskPath(ref, disk);
    assertThat(file).isEqualTo(dir.resolve("out/default/db-import/disk-0.raw"));
    Files.createDirectories(file.getParent());
    Files.write(file, content);
    PublishedImage image = target.publish(vm, disk, file);
    assertThat(target.imageStatus(vm, image).state()).isEqualTo(TargetStatus.State.READY);
    String location = target.createVm(vm, List.of(image));

    assertThat(image.location()).isEqualTo(file.toString());
    assertThat(Files.readAllBytes(file)).isEqualTo(content);
    Path description = dir.resolve("out/default/db-import/vm.json");
    assertThat(location).isEqualTo(description.toString());
    JsonNode json = new ObjectMapper().readTree(description.toFile());
    assertThat(json.at("/name").asText()).isEqualTo("db01");
    assertThat(json.at("/cpu/sockets").asInt()).isEqualTo(2);
    assertThat(json.at("/cpu/cores").asInt()).isEqualTo(2);
    assertThat(json.at("/memoryMiB").asLong()).isEqualTo(4096);
    assertThat(json.at("/disks/0/file").asText()).isEqualTo("disk-0.raw");
    assertThat(json.at("/disks/0/bus").asText()).isEqualTo("sata");
    assertThat(json.at("/nics/0/network").asText()).isEqualTo("default/vlan1");
    assertThat(json.at("/nics/0/model").asText()).isEqualTo("e1000e");
  }

  @Test
  void aDiskThatIsGoneIsAFailedImage() throws Exception {
    DirectoryTarget target = new DirectoryTarget(dir, DiskFormat.QCOW2);

    TargetStatus status =
        target.imageStatus(
            null, new PublishedImage("disk-0", "disk-0.qcow2", dir.resolve("gone").toString()));

    assertThat(status.state()).isEqualTo(TargetStatus.State.FAILED);
  }

  @Test
  void discardRemovesOnlyWhatTheImportWrote() throws Exception {
    DirectoryTarget target = new DirectoryTarget(dir, DiskFormat.QCOW2);
    Path importDir = target.importDir(ref);
    Files.createDirectories(importDir);
    Files.writeString(importDir.resolve("disk-0.qcow2"), "x");
    Files.writeString(importDir.resolve("disk-1.qcow2.partial"), "x");
    Files.writeString(importDir.resolve("vm.json"), "{}");
    Files.writeString(importDir.resolve("notes.txt"), "the user's");

    target.discard(ref);

    try (var files = Files.list(importDir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("notes.txt");
    }
  }

  @Test
  void importsOfOneNameInTwoNamespacesGetTwoFolders() throws Exception {
    DirectoryTarget target = new DirectoryTarget(dir, DiskFormat.QCOW2);
    ImportRef prod = new ImportRef("prod", "db-import", "uid-prod-db");

    assertThat(target.importDir(ref)).isEqualTo(dir.resolve("default/db-import"));
    assertThat(target.importDir(prod)).isEqualTo(dir.resolve("prod/db-import"));

    Files.createDirectories(target.importDir(ref));
    Files.writeString(target.importDir(ref).resolve("disk-0.qcow2"), "default's");
    Files.createDirectories(target.importDir(prod));
    Files.writeString(target.importDir(prod).resolve("disk-0.qcow2"), "prod's");
    target.discard(prod);

    assertThat(dir.resolve("prod")).as("an emptied namespace folder goes too").doesNotExist();
    assertThat(target.importDir(ref).resolve("disk-0.qcow2")).hasContent("default's");
  }

  @Test
  void anUnwritableOutputDirectoryFailsPreflight() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "");
    DirectoryTarget target = new DirectoryTarget(file.resolve("out"), DiskFormat.QCOW2);

    assertThat(target.preflight(null))
        .singleElement()
        .satisfies(
            issue ->
                assertThat(issue.toString())
                    .as("names the directory, not a flag of a program that may not have it")
                    .isEqualTo(
                        "the output directory "
                            + file.resolve("out")
                            + " is not a writable directory"));
  }
}
