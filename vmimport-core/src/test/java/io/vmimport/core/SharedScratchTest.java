package io.vmimport.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.ScratchFiles;
import io.vmimport.api.convert.ConversionRequest;
import io.vmimport.api.model.Cpu;
import io.vmimport.api.model.Credentials;
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
import io.vmimport.core.fake.FakeTarget;
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

/**
 * The engine and a target that keeps its disks in scratch (as the Harvester target does) share one
 * scratch folder: each import's files, the engine's staged downloads and the target's converted
 * disks alike, sit in that import's one folder, and two imports never meet.
 */
class SharedScratchTest {
  private static final SourceRef SOURCE_REF =
      new SourceRef("migration.harvesterhci.io/v1beta1", "FakeSource", "lab", "default");

  @TempDir Path dir;

  @Test
  void anImportsStagedAndConvertedFilesShareItsFolderAndNoOtherImportsOne() throws Exception {
    FakeTime time = new FakeTime();
    SourceVm vm =
        new SourceVm(
            "vm-7",
            "db01",
            new Cpu(2, 1),
            2048,
            Firmware.BIOS,
            List.of(SourceDisk.of(0, "k0", "db01.vmdk", 1 << 20)),
            List.of(SourceNic.of(0, "00:50:56:00:00:01", NicModel.E1000E, "prod")),
            Optional.empty(),
            Optional.empty());
    FakeSource source = new FakeSource(time, vm);
    // a VMDK is staged in scratch, then converted into the target's file
    source.exportFormat = DiskFormat.VMDK;
    byte[] content = new byte[1 << 20];
    content[4242] = 7;
    source.diskContent.put("k0", content);
    ScratchFiles scratch = new ScratchFiles(dir.resolve("scratch"));
    FakeTarget target = FakeTarget.inScratch(scratch);
    CopyingConverter converter = new CopyingConverter();
    // a_b/c and a/b_c: one folder name each if namespace and name were joined by '_'
    ImportRef first = new ImportRef("a_b", "c", "uid-1");
    ImportRef second = new ImportRef("a", "b_c", "uid-2");

    try (ImportEngine engine =
        new ImportEngine(
            new ProviderRegistry(List.of(source)),
            converter,
            new InMemoryCheckpointStore(),
            // fake time: a poll of 5 s costs 1 ms, so the guest's shutdown is over at once
            EngineConfig.builder(scratch.root()).pollInterval(Duration.ofSeconds(5)).build(),
            time)) {
      for (ImportRef ref : List.of(first, second)) {
        engine.run(request(ref), target, new RecordingListener());
      }
    }

    assertThat(converter.conversions).hasSize(2);
    for (int i = 0; i < 2; i++) {
      ImportRef ref = List.of(first, second).get(i);
      ImportRef other = List.of(second, first).get(i);
      ConversionRequest conversion = converter.conversions.get(i);
      assertThat(conversion.source())
          .as("the engine's staged download of %s", ref)
          .startsWithRaw(scratch.stagingDir(ref))
          .startsWithRaw(scratch.importDir(ref))
          .matches(
              path -> !path.startsWith(scratch.importDir(other)),
              "not below " + scratch.importDir(other));
      assertThat(conversion.target().getParent())
          .as("the target's converted disk of %s", ref)
          .isEqualTo(scratch.targetDir(ref))
          .startsWithRaw(scratch.importDir(ref))
          .matches(
              path -> !path.startsWith(scratch.importDir(other)),
              "not below " + scratch.importDir(other));
      assertThat(Files.readAllBytes(conversion.target().resolveSibling("disk-0.raw")))
          .isEqualTo(content);
      assertThat(scratch.stagingDir(ref)).as("staging removed when the run ended").doesNotExist();
    }
  }

  private static ImportRequest request(ImportRef ref) {
    ImportSpec spec =
        ImportSpec.builder(SOURCE_REF, "db01")
            .addNetworkMapping(new NetworkMapping("prod", "default/vlan1"))
            .build();
    return new ImportRequest(
        ref, spec, new SourceSpec("fake", "default", "lab", Map.of(), Credentials.NONE));
  }
}
