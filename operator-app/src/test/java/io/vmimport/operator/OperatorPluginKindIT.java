package io.vmimport.operator;

import static io.vmimport.operator.TestCluster.NS;
import static io.vmimport.operator.TestCluster.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmimport.operator.crd.SourceStatus;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.target.harvester.Crds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third party's source kind: the example provider {@code directory} (module {@code examples}) is
 * on the operator's class path, as a plugin jar in its image would be, and its CRD is the one that
 * jar ships ({@code META-INF/vmimport/crds/directory.yaml}), applied to the mock API server. Its
 * DirectorySource is checked like a built-in source, and an import from it runs to a running VM.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorPluginKindIT {
  private static final ResourceDefinitionContext DIRECTORY_SOURCES =
      new ResourceDefinitionContext.Builder()
          .withGroup("migration.harvesterhci.io")
          .withVersion("v1beta1")
          .withKind("DirectorySource")
          .withPlural("directorysources")
          .withNamespaced(true)
          .build();

  KubernetesClient client;

  @TempDir Path dir;
  private TestCluster cluster;
  private VmImportOperator operator;

  @BeforeEach
  void setUp() throws Exception {
    Crds.assumePresent();
    cluster = new TestCluster(client, dir);
  }

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.stopOperatorCheckRbacAndClose(operator);
    }
  }

  @Test
  void aDirectorySourceBecomesReadyAndItsVmIsImportedByteForByte() throws Exception {
    operator = cluster.startOperator(Optional.empty());
    Path folder = Files.createDirectories(dir.resolve("lab"));
    Files.writeString(folder.resolve(".credentials"), "lab-user:lab-password");
    Path vm = Files.createDirectories(folder.resolve("web01"));
    Files.writeString(
        vm.resolve("vm.json"),
        """
        {"cpus": 2, "memoryMiB": 1024,
         "disks": [{"file": "disk0.raw", "bus": "virtio", "bootOrder": 1}],
         "nics": [{"mac": "00:50:56:01:02:03", "model": "virtio", "network": "prod"}]}
        """);
    // an odd size, so that a lost partial last block shows
    byte[] bytes = new byte[3 * 1024 * 1024 + 4099];
    new Random(15).nextBytes(bytes);
    Path disk = Files.write(vm.resolve("disk0.raw"), bytes);
    cluster.applySecret("lab-creds", Map.of("username", "lab-user", "password", "lab-password"));
    createSource("lab", folder.toString(), "lab-creds");

    GenericKubernetesResource ready = awaitSource("lab", TestCluster.DEADLINE);
    SourceStatus status = statusOf(ready);
    assertThat(status.status).isEqualTo("clusterReady");
    assertThat(condition(status.conditions, "ClusterReady").status).isEqualTo("True");
    assertThat(condition(status.conditions, "ClusterError").status).isEqualTo("False");

    List<String> statuses = cluster.recordStatuses("dir-import");
    cluster.apply(TestCluster.importOf("dir-import", "DirectorySource", "lab", "web01", "prod"));

    VirtualMachineImport done = cluster.awaitStatus("dir-import", "virtualMachineRunning");
    List<String> seen = TestCluster.distinctInOrder(statuses);
    assertThat(seen.stream().map(TestCluster.COMPAT_ORDER::indexOf).toList())
        .as("statuses %s follow %s", seen, TestCluster.COMPAT_ORDER)
        .isSorted()
        .doesNotContain(-1);
    assertThat(done.getStatus().diskImportStatus).extracting(d -> d.diskName).hasSize(1);
    Crds.assertValid(Crds.IMPORTS, done);
    assertThat(cluster.harvester.downloaded()).hasSize(1);
    cluster.assertDownloadsMatch(List.of(disk));
  }

  /**
   * A tenant who may create a plugin's source must not make the operator read its files through a
   * {@code file:} URL either: the rule holds for every setting of every kind.
   */
  @Test
  void aFileUrlInAPluginSourceIsRefused() throws Exception {
    operator = cluster.startOperator(Optional.empty());
    createSource("local", "file:///etc", null);

    SourceStatus refused = statusOf(awaitSource("local", TestCluster.DEADLINE));

    assertThat(refused.status).isEqualTo("clusterNotReady");
    assertThat(condition(refused.conditions, "ClusterReady").message)
        .isEqualTo(
            "DirectorySource "
                + NS
                + "/local: spec.path: the operator does not read local files (file:///etc);"
                + " serve the file over https, or import it with the vmimport command");
  }

  @Test
  void anImportOfAKindWithoutAProviderSaysWhichKindsAreServed() throws Exception {
    operator = cluster.startOperator(Optional.empty());

    cluster.apply(TestCluster.importOf("nowhere", "TapeSource", "backup", "web01", null));

    VirtualMachineImport invalid =
        cluster.awaitStatus("nowhere", "virtualMachineImportInvalid", true);
    assertThat(condition(invalid.getStatus().importConditions, "VMMigrationFailed").message)
        .isEqualTo(
            "spec.sourceCluster.kind: 'TapeSource' is not a source kind this operator serves; it"
                + " serves DirectorySource, OpenstackSource, OvaSource, VmwareSource. A third"
                + " party's kind needs its provider jar, with the kind's CRD at"
                + " META-INF/vmimport/crds/<kind>.yaml, on the operator's class path");
  }

  @Test
  void withoutThePluginsCrdInTheClusterTheOperatorDoesNotStartAndNamesTheCrd() {
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName("directorysources.migration.harvesterhci.io")
        .delete();

    assertThatThrownBy(() -> operator = cluster.startOperator(Optional.empty()))
        .hasMessageStartingWith(
            "the cluster has no CRD directorysources.migration.harvesterhci.io for the source"
                + " kind DirectorySource of a provider on the class path; apply the CRD its jar"
                + " ships (")
        .hasMessageContaining(TestCluster.PLUGIN_CRD);
  }

  private void createSource(String name, String path, String secret) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("path", path);
    if (secret != null) {
      spec.put("credentials", Map.of("name", secret, "namespace", NS));
    }
    client
        .genericKubernetesResources(DIRECTORY_SOURCES)
        .inNamespace(NS)
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("migration.harvesterhci.io/v1beta1")
                .withKind("DirectorySource")
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withAdditionalProperties(Map.of("spec", spec))
                .build())
        .create();
  }

  /** The source once it has been checked (it has a status). */
  private GenericKubernetesResource awaitSource(String name, Duration within) throws Exception {
    Instant deadline = Instant.now().plus(within);
    GenericKubernetesResource source = null;
    while (Instant.now().isBefore(deadline)) {
      source =
          client.genericKubernetesResources(DIRECTORY_SOURCES).inNamespace(NS).withName(name).get();
      if (source != null && statusOf(source).status != null) {
        return source;
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    throw new AssertionError(
        "DirectorySource " + name + " was not checked: " + TestCluster.describe(source));
  }

  private SourceStatus statusOf(GenericKubernetesResource source) {
    Object status = source.getAdditionalProperties().get("status");
    return status == null
        ? new SourceStatus()
        : client.getKubernetesSerialization().convertValue(status, SourceStatus.class);
  }
}
