package io.vmimport.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The sample CRs users copy from vm-import-controller's README deserialize into our classes and
 * serialize back to the same tree: no field is dropped or renamed.
 */
class SampleRoundTripTest {

  private static final Path SAMPLES =
      Path.of("../../shared/crds/samples_migration.harvesterhci.io_from_README.yaml");
  private static final Map<String, Class<? extends CustomResource<?, ?>>> KINDS =
      Map.of(
          "VmwareSource", VmwareSource.class,
          "OpenstackSource", OpenstackSource.class,
          "OvaSource", OvaSource.class,
          "VirtualMachineImport", VirtualMachineImport.class);

  private final KubernetesSerialization serialization = new KubernetesSerialization();

  @Test
  void readmeSamplesSurviveARoundTrip() throws IOException {
    assumeTrue(
        Files.isRegularFile(SAMPLES),
        "skipped: samples " + SAMPLES.toAbsolutePath() + " absent (needs ../shared/crds)");
    List<String> documents =
        Arrays.stream(Files.readString(SAMPLES).split("(?m)^---\\s*$"))
            .filter(doc -> doc.lines().anyMatch(line -> line.startsWith("kind:")))
            .toList();
    assertThat(documents).as("sample documents").hasSize(4);

    for (String document : documents) {
      Map<String, Object> original =
          CrdSchemaTest.map(serialization.unmarshal(document, Map.class));
      String kind = String.valueOf(original.get("kind"));
      assertThat(KINDS).as("model class for sample kind").containsKey(kind);

      CustomResource<?, ?> typed = serialization.unmarshal(document, KINDS.get(kind));
      assertThat(typed.getSpec()).as(kind + " spec").isNotNull();
      Map<String, Object> back =
          CrdSchemaTest.map(serialization.unmarshal(serialization.asJson(typed), Map.class));

      assertThat(back)
          .as(kind + " " + typed.getMetadata().getName() + " after round trip")
          .isEqualTo(original);
    }
  }
}
