package io.vmimport.examples.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmimport.api.ImportPhase;
import io.vmimport.api.event.ImportListener;
import io.vmimport.api.model.ImportRef;
import io.vmimport.core.ImportResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedding example end to end, with the real qemu-img converter. */
class EmbeddedImportIT {
  @TempDir Path dir;

  @Test
  void importsAVmWithARawAndAQcow2DiskIntoQcow2Files() throws Exception {
    Path vm = Files.createDirectories(dir.resolve("source/app01"));
    Path raw = vm.resolve("disk0.raw");
    writeScattered(raw, 48 << 20, 1);
    Path rawForQcow2 = dir.resolve("data.raw");
    writeScattered(rawForQcow2, 32 << 20, 2);
    run(
        "qemu-img",
        "convert",
        "-f",
        "raw",
        "-O",
        "qcow2",
        rawForQcow2.toString(),
        vm.resolve("disk1.qcow2").toString());
    Files.writeString(
        vm.resolve("vm.json"),
        """
        {"id": "vm-app01", "cpus": 4, "coresPerSocket": 2, "memoryMiB": 3072,
         "disks": [{"file": "disk0.raw", "bus": "sata", "bootOrder": 2},
                   {"file": "disk1.qcow2", "bootOrder": 1}],
         "nics": [{"mac": "00:50:56:01:02:03", "model": "e1000", "network": "prod"}]}
        """);
    Files.writeString(vm.resolve("power"), "on");
    List<String> phases = Collections.synchronizedList(new ArrayList<>());

    ImportResult result =
        EmbeddedImport.run(
            dir.resolve("source"),
            "app01",
            "prod",
            dir.resolve("out"),
            new ImportListener() {
              @Override
              public void phaseChanged(ImportRef ref, ImportPhase phase, String message) {
                phases.add(phase.wireValue());
              }
            });

    assertThat(phases).endsWith("diskImagesReady", "virtualMachineCreated");
    Path out = dir.resolve("out/default/app01-import");
    // boot order puts the qcow2 disk first
    assertSameDisk(out.resolve("disk-0.qcow2"), rawForQcow2);
    assertSameDisk(out.resolve("disk-1.qcow2"), raw);
    JsonNode json = new ObjectMapper().readTree(out.resolve("vm.json").toFile());
    assertThat(json.at("/cpu/sockets").asInt()).isEqualTo(2);
    assertThat(json.at("/cpu/cores").asInt()).isEqualTo(2);
    assertThat(json.at("/memoryMiB").asInt()).isEqualTo(3072);
    assertThat(json.at("/disks/1/bus").asText()).isEqualTo("sata");
    assertThat(json.at("/nics/0/network").asText()).isEqualTo("default/vlan1");
    assertThat(Files.readString(vm.resolve("power")).trim())
        .as("source VM shut down")
        .isEqualTo("off");
    assertThat(result.images()).hasSize(2);
    try (var leftovers = Files.list(vm)) {
      assertThat(leftovers.map(p -> p.getFileName().toString())).doesNotContain(".export-lease");
    }
  }

  private static void assertSameDisk(Path converted, Path original) throws Exception {
    assertThat(run("qemu-img", "info", "--output=json", converted.toString()))
        .contains("\"format\": \"qcow2\"");
    run(
        "qemu-img",
        "compare",
        "-f",
        "qcow2",
        "-F",
        "raw",
        converted.toString(),
        original.toString());
  }

  private static void writeScattered(Path file, int size, long seed) throws Exception {
    byte[] content = new byte[size];
    Random random = new Random(seed);
    for (int offset = 0; offset < size; offset += 8 << 20) {
      byte[] chunk = new byte[1 << 20];
      random.nextBytes(chunk);
      System.arraycopy(chunk, 0, content, offset, chunk.length);
    }
    Files.write(file, content);
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
    return output;
  }
}
