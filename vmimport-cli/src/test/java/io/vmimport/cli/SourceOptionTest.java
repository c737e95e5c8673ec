package io.vmimport.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An annotation {@code source.vmimport.io/<key>} on a VirtualMachineImport reaches the source
 * provider: the OVA provider reads the OVF deployment option it names. The descriptor is the COT
 * test suite's, with three configurations, read from the team's shared folder beside the clone.
 */
class SourceOptionTest {
  static final Path COT =
      Path.of("..", "..", "shared", "test-peers", "ova", "cot", "input.ovf").toAbsolutePath();

  @TempDir Path dir;

  private JsonNode inspect(String annotations) throws Exception {
    assumeTrue(Files.isRegularFile(COT), COT + " (the team's shared folder) is not there");
    Path resources = dir.resolve("resources.yaml");
    Files.writeString(
        resources,
        """
        apiVersion: migration.harvesterhci.io/v1beta1
        kind: OvaSource
        metadata:
          name: cot
          namespace: default
        spec:
          url: %s
        ---
        apiVersion: migration.harvesterhci.io/v1beta1
        kind: VirtualMachineImport
        metadata:
          name: cot-vm
          namespace: default
        %s
        spec:
          virtualMachineName: test
          sourceCluster:
            apiVersion: migration.harvesterhci.io/v1beta1
            kind: OvaSource
            name: cot
            namespace: default
        """
            .formatted(COT.toUri(), annotations));
    CliRunner.Result result = CliRunner.run("inspect", "-f", resources.toString(), "-o", "json");
    assertThat(result.exitCode()).as(result.toString()).isZero();
    return new ObjectMapper().readTree(result.out());
  }

  @Test
  void theDeploymentOptionAnAnnotationNamesIsRead() throws Exception {
    JsonNode chosen =
        inspect("  annotations:\n    source.vmimport.io/deploymentOption: 1CPU-1GB-1NIC");

    assertThat(chosen.at("/cpu/vcpus").asInt()).isEqualTo(1);
    assertThat(chosen.get("memoryMiB").asLong()).isEqualTo(1024);
    assertThat(chosen.get("nics")).hasSize(1);
    assertThat(chosen.get("description").asText()).contains("1CPU-1GB-1NIC");
  }

  @Test
  void withoutTheAnnotationTheDescriptorsDefaultIsRead() throws Exception {
    JsonNode byDefault = inspect("");

    assertThat(byDefault.at("/cpu/vcpus").asInt()).isEqualTo(4);
    assertThat(byDefault.get("memoryMiB").asLong()).isEqualTo(4096);
    assertThat(byDefault.get("description").asText()).contains("4CPU-4GB-3NIC");
  }

  @Test
  void anAnnotationThatIsNoOptionNamesItself() throws Exception {
    Path resources = dir.resolve("bad.yaml");
    Files.writeString(
        resources,
        """
        apiVersion: migration.harvesterhci.io/v1beta1
        kind: VirtualMachineImport
        metadata:
          name: cot-vm
          annotations:
            source.vmimport.io/deployment option: large
        spec:
          virtualMachineName: test
          sourceCluster:
            kind: OvaSource
            name: cot
        """);
    CliRunner.Result result = CliRunner.run("validate", "-f", resources.toString());

    assertThat(result.exitCode()).isNotZero();
    assertThat(result.err())
        .contains("metadata.annotations.source.vmimport.io/deployment option")
        .contains("is not a source option");
  }
}
