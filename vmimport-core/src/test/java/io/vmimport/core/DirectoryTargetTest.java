package io.vmimport.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmimport.api.model.Cpu;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NetworkMapping;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.model.SourceRef;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.core.fake.CopyingConverter;
import io.vmimport.core.fake.FakeSource;
import io.vmimport.core.fake.FakeTime;
import io.vmimport.core.fake.RecordingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryTargetTest {
  @TempDir Path dir;

  private final ImportRef ref = new ImportRef("default", "db-import", "uid-db");

  @Test
  void writesDisksAndAVmDescription() throws Exception {
    FakeTime time = new FakeTime();
    SourceVm vm =
        new SourceVm(
            "vm-7",
            "db01",
            new Cpu(4, 2),
            4096,
            Firmware.BIOS,
            List.of(SourceDisk.of(0, "k0", "db01.vmdk", 1 << 20).withBus(DiskBus.SATA)),
            List.of(SourceNic.of(0, "00:50:56:00:00:01", NicModel.E1000E, "prod")),
            Optional.empty(),
            Optional.empty());
    FakeSource source = new FakeSource(time, vm);
    byte[] content = new byte[1 << 20];
    content[12345] = 42;
    source.diskContent.put("k0", content);
    DirectoryTarget target = new DirectoryTarget(dir.resolve("out"), DiskFormat.RAW);
    ImportSpec spec =
        ImportSpec.builder(
                new SourceRef("migration.harvesterhci.io/v1beta1", "FakeSource", "s", "default"),
                "db01")
            .addNetworkMapping(new NetworkMapping("prod", "default/vlan1"))
            .build();
    try (ImportEngine engine =
        new ImportEngine(
            new ProviderRegistry(List.of(source)),
            new CopyingConverter(),
            new InMemoryCheckpointStore(),
            EngineConfig.builder(dir.resolve("scratch")).pollInterval(Duration.ofMillis(1)).build(),
            time)) {
      ImportResult result =
          engine.run(
              new ImportRequest(
                  ref, spec, new SourceSpec("fake", "default", "s", Map.of(), Credentials.NONE)),
              target,
              new RecordingListener());

      assertThat(result.phase().wireValue()).isEqualTo("virtualMachineCreated");
      Path disk = dir.resolve("out/default/db-import/disk-0.raw");
      assertThat(result.images().get(0).location()).isEqualTo(disk.toString());
      assertThat(Files.readAllBytes(disk)).isEqualTo(content);
      JsonNode json =
          new ObjectMapper().readTree(dir.resolve("out/default/db-import/vm.json").toFile());
      assertThat(json.at("/name").asText()).isEqualTo("db01");
      assertThat(json.at("/cpu/sockets").asInt()).isEqualTo(2);
      assertThat(json.at("/cpu/cores").asInt()).isEqualTo(2);
      assertThat(json.at("/memoryMiB").asLong()).isEqualTo(4096);
      assertThat(json.at("/disks/0/file").asText()).isEqualTo("disk-0.raw");
      assertThat(json.at("/disks/0/bus").asText()).isEqualTo("sata");
      assertThat(json.at("/nics/0/network").asText()).isEqualTo("default/vlan1");
      assertThat(json.at("/nics/0/model").asText()).isEqualTo("e1000e");
      assertThat(result.vmLocation())
          .isEqualTo(dir.resolve("out/default/db-import/vm.json").toString());
    }
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
        .satisfies(issue -> assertThat(issue.toString()).contains("is not a writable directory"));
  }
}
