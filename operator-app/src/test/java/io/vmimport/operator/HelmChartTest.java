package io.vmimport.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart against the code it deploys. (No helm binary runs here, so templates are checked
 * as text.)
 */
class HelmChartTest {
  private static final Path CHART = Path.of("..", "charts", "vmimport-operator");
  private static final Path GENERATED = Path.of("target", "classes", "META-INF", "fabric8");

  @Test
  void chartCrdsAreTheGeneratedOnes() throws IOException {
    Set<String> generated = names(GENERATED);
    assertThat(generated).hasSize(4);
    assertThat(names(CHART.resolve("crds"))).isEqualTo(generated);
    for (String name : generated) {
      assertThat(Files.readString(CHART.resolve("crds").resolve(name)))
          .as("charts/vmimport-operator/crds/%s: copy it from %s again", name, GENERATED)
          .isEqualTo(Files.readString(GENERATED.resolve(name)));
    }
  }

  @Test
  void theDeploymentSetsEveryVariableTheOperatorReadsAndNoOther() throws IOException {
    String deployment = Files.readString(CHART.resolve("templates/deployment.yaml"));
    Set<String> set = new TreeSet<>();
    Matcher m = Pattern.compile("name: (VMIMPORT_[A-Z_]+)").matcher(deployment);
    while (m.find()) {
      set.add(m.group(1));
    }
    // the log level is read by logback.xml, every other variable by OperatorConfig
    assertThat(set.remove("VMIMPORT_LOG_LEVEL")).isTrue();
    assertThat(Files.readString(Path.of("src/main/resources/logback.xml")))
        .contains("${VMIMPORT_LOG_LEVEL");
    assertThat(OperatorConfig.VARIABLES).containsAll(set);
    // the lease namespace comes from POD_NAMESPACE; the image server binds to all addresses
    assertThat(set)
        .containsAll(
            OperatorConfig.VARIABLES.stream()
                .filter(
                    v ->
                        !v.equals("VMIMPORT_LEASE_NAMESPACE")
                            && !v.equals("VMIMPORT_IMAGE_SERVER_ADDRESS"))
                .toList());
    assertThat(deployment).contains("name: POD_NAMESPACE");
  }

  @Test
  void theScratchPvcUsesTheStorageClassTheAddOnValueNames() throws IOException {
    JsonNode values =
        new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .readTree(CHART.resolve("values.yaml").toFile());
    assertThat(values.path("pvcClaim").has("storageClassName")).isTrue();
    assertThat(values.path("service").path("name").asText())
        .isEqualTo("harvester-vm-import-controller");
    assertThat(values.path("service").path("port").asInt()).isEqualTo(8080);
    String pvc = Files.readString(CHART.resolve("templates/pvc.yaml"));
    assertThat(pvc).contains(".Values.pvcClaim.storageClassName").contains("storageClassName:");
  }

  @Test
  void rbacCoversWhatTheOperatorCalls() throws IOException {
    String rbac = Files.readString(CHART.resolve("templates/rbac.yaml"));
    for (String resource :
        new String[] {
          "vmwaresources",
          "openstacksources",
          "ovasources",
          "virtualmachineimports",
          "virtualmachineimports/status",
          "vmwaresources/status",
          "virtualmachineimports/finalizers",
          "secrets",
          "events",
          "persistentvolumeclaims",
          "storageclasses",
          "virtualmachineimages",
          "virtualmachines",
          "network-attachment-definitions",
          "leases"
        }) {
      assertThat(rbac).as("RBAC rule for %s", resource).contains(resource);
    }
    assertThat(rbac).as("no wildcard rules").doesNotContain("\"*\"");
  }

  private static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(f -> f.getFileName().toString())
          .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }
  }
}
