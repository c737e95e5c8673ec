package io.vmimport.operator;

import static io.vmimport.operator.TestCluster.NS;
import static io.vmimport.operator.TestCluster.condition;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmimport.api.guest.GuestConversionPolicy;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.operator.crd.CredentialsReference;
import io.vmimport.operator.crd.DiskInfo;
import io.vmimport.operator.crd.OpenstackSource;
import io.vmimport.operator.crd.OpenstackSourceSpec;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.operator.internal.AnnotationCheckpointStore;
import io.vmimport.provider.openstack.LocalOpenstackCloud;
import io.vmimport.target.harvester.Crds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator end to end against the local OpenStack (a real Zed cloud on 127.0.0.1, see
 * provider-openstack/test-peer), on the mock API server with the real CRDs.
 */
@EnableKubernetesMockClient(crud = true)
@ExtendWith(LocalOpenstackCloud.class)
class OperatorOpenstackIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  KubernetesClient client;

  @TempDir Path dir;
  private TestCluster cluster;
  private VmImportOperator operator;
  private TestKubelet kubelet;

  @BeforeEach
  void setUp() throws Exception {
    Crds.assumePresent(); // before anything starts, so that the tear-down has nothing to stop
    cluster = new TestCluster(client, dir);
    operator = cluster.startOperator(Optional.empty());
  }

  @AfterEach
  void tearDown() {
    try {
      if (cluster != null) {
        cluster.stopOperatorCheckRbacAndClose(operator);
      }
    } finally {
      if (kubelet != null) {
        kubelet.close();
      }
    }
  }

  @Test
  void importsABootFromVolumeServerThroughUpstreamsStatuses() throws Exception {
    Path bootVolume = LocalOpenstackCloud.copyOfBootVolume("vm-bfv", dir);
    applySource();
    List<String> statuses = cluster.recordStatuses("bfv-import");
    cluster.apply(
        TestCluster.importOf("bfv-import", "OpenstackSource", "devstack", "vm-bfv", "private"));

    VirtualMachineImport done = cluster.awaitStatus("bfv-import", "virtualMachineRunning");

    List<String> seen = TestCluster.distinctInOrder(statuses);
    assertThat(seen.stream().map(TestCluster.COMPAT_ORDER::indexOf).toList())
        .as("statuses %s follow %s", seen, TestCluster.COMPAT_ORDER)
        .isSorted()
        .doesNotContain(-1);
    OpenstackSource ready =
        client.resources(OpenstackSource.class).inNamespace(NS).withName("devstack").get();
    assertThat(ready.getStatus().status).isEqualTo("clusterReady");
    assertThat(condition(ready.getStatus().conditions, "ClusterReady").status).isEqualTo("True");
    assertThat(done.getStatus().importedVirtualMachineName).isEqualTo("vm-bfv");
    List<DiskInfo> disks = done.getStatus().diskImportStatus;
    assertThat(disks).extracting(d -> d.diskName).containsExactly("disk-0");
    assertThat(condition(disks.get(0).diskConditions, "VirtualMachineImageReady").status)
        .isEqualTo("True");
    Crds.assertValid(Crds.IMPORTS, done);
    // Harvester got exactly the bytes of the server's boot volume
    cluster.assertDownloadsMatch(List.of(bootVolume));
  }

  /**
   * {@code diskWork: jobs}: the worker Job (run by the test kubelet from the built jar) makes the
   * snapshot, volume and image in the cloud with the credentials of its Secret, downloads the
   * volume and serves it to Harvester, and removes what it made in the cloud.
   */
  @Test
  void anImportThroughAWorkerJobReachesRunningAndLeavesNothingInTheCloud() throws Exception {
    Set<String> before = LocalOpenstackCloud.temporaryArtifacts();
    Path bootVolume = LocalOpenstackCloud.copyOfBootVolume("vm-bfv", dir);
    operator.close();
    cluster.diskWorkers =
        Optional.of(
            OperatorJobsIT.workerSettings(1, Optional.empty(), GuestConversionPolicy.NEVER, 1));
    kubelet = OperatorJobsIT.threeNodeKubelet(client, dir);
    operator = cluster.startOperator(Optional.empty());
    applySource();
    cluster.apply(
        TestCluster.importOf("jobs-bfv", "OpenstackSource", "devstack", "vm-bfv", "private"));

    cluster.awaitStatus("jobs-bfv", "virtualMachineRunning");

    cluster.assertDownloadsMatch(List.of(bootVolume));
    assertTheCloudHoldsOnly(before);
    assertThat(kubelet.podsPerNode().values().stream().mapToInt(Integer::intValue).sum())
        .as("worker pods that ran")
        .isEqualTo(1);
    assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems())
        .as("worker Jobs left")
        .isEmpty();
  }

  @Test
  void deletingAnImportMidExportLeavesNothingInTheCloudOrInScratch() throws Exception {
    Set<String> before = LocalOpenstackCloud.temporaryArtifacts();
    applySource();
    cluster.apply(
        TestCluster.importOf("deleted", "OpenstackSource", "devstack", "vm-bfv", "private"));
    // the checkpoint lists what the export has made in the cloud (snapshot, volume, image)
    cluster.await("deleted", OperatorOpenstackIT::holdsSourceArtifacts);

    cluster.deleteAndAwaitGone("deleted");

    assertTheCloudHoldsOnly(before);
    cluster.assertNothingLeftInHarvesterOrScratch();
    assertThat(operator.runningImports()).isZero();
  }

  @Test
  void theNextOperatorRemovesWhatAKilledOneLeftInTheCloudAndFinishesTheImport() throws Exception {
    Set<String> before = LocalOpenstackCloud.temporaryArtifacts();
    Path bootVolume = LocalOpenstackCloud.copyOfBootVolume("vm-bfv", dir);
    operator.close();
    operator = null;
    applySource();
    Process killed = cluster.startOperatorProcess(dir.resolve("killed-operator.log"), Map.of());
    try {
      cluster.apply(
          TestCluster.importOf("killed", "OpenstackSource", "devstack", "vm-bfv", "private"));
      cluster.await("killed", OperatorOpenstackIT::holdsSourceArtifacts);
    } finally {
      killed.destroyForcibly(); // SIGKILL: its export's cleanup never runs
      assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    Set<String> leftByTheKilled = new TreeSet<>(LocalOpenstackCloud.temporaryArtifacts());
    leftByTheKilled.removeAll(before);
    assertThat(leftByTheKilled).as("what the killed operator's export made").isNotEmpty();

    operator = cluster.startOperator(Optional.empty());
    cluster.awaitStatus("killed", "virtualMachineRunning");

    assertTheCloudHoldsOnly(before);
    cluster.assertDownloadsMatch(List.of(bootVolume));
  }

  /**
   * Issue #13, point 8: a password typed into a source's endpoint reaches no status and no event,
   * whether the source is refused (plain HTTP without the opt-in) or unreachable.
   */
  @Test
  void aPasswordInTheEndpointIsInNoStatusOrEvent() throws Exception {
    String password = "S3cretPw";
    applySource("plain", "http://u:" + password + "@127.0.0.1:5000/v3", false);
    applySource("refused", "https://u:" + password + "@127.0.0.1:9/v3", true);

    List<OpenstackSource> notReady = new java.util.ArrayList<>();
    for (String name : List.of("plain", "refused")) {
      notReady.add(
          cluster.awaitSource(
              OpenstackSource.class, name, s -> "clusterNotReady".equals(TestCluster.statusOf(s))));
    }

    String statuses = JSON.writeValueAsString(notReady.stream().map(s -> s.getStatus()).toList());
    String events =
        JSON.writeValueAsString(
            client.v1().events().inNamespace(NS).list().getItems().stream()
                .map(e -> e.getMessage())
                .toList());
    assertThat(statuses)
        .as("the endpoints are named, masked")
        .contains("http://***@127.0.0.1:5000/v3")
        .doesNotContain(password);
    assertThat(events).doesNotContain(password);
  }

  private void applySource(String name, String endpoint, boolean optIn) {
    Map<String, String> secret = new HashMap<>(LocalOpenstackCloud.admin().credentials().data());
    if (optIn) {
      secret.put("insecure_plain_http", "true");
    }
    cluster.applySecret(name + "-credentials", secret);
    OpenstackSource source = new OpenstackSource();
    source.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    OpenstackSourceSpec spec = new OpenstackSourceSpec();
    spec.endpoint = endpoint;
    spec.region = "RegionOne";
    spec.credentials = new CredentialsReference();
    spec.credentials.name = name + "-credentials";
    spec.credentials.namespace = NS;
    source.setSpec(spec);
    client.resources(OpenstackSource.class).inNamespace(NS).resource(source).create();
  }

  /**
   * Waits until the cloud's snapshots, volumes and images of exports are those of {@code before}.
   */
  private static void assertTheCloudHoldsOnly(Set<String> before) throws InterruptedException {
    Instant deadline = Instant.now().plus(TestCluster.DEADLINE);
    Set<String> left = LocalOpenstackCloud.temporaryArtifacts();
    while (!left.equals(before) && Instant.now().isBefore(deadline)) {
      TimeUnit.SECONDS.sleep(1); // Cinder and Glance delete in the background
      left = LocalOpenstackCloud.temporaryArtifacts();
    }
    assertThat(left).as("snapshots, volumes and images of the export").isEqualTo(before);
  }

  private static boolean holdsSourceArtifacts(VirtualMachineImport vmi) {
    String checkpoint =
        vmi.getMetadata().getAnnotations() == null
            ? null
            : vmi.getMetadata().getAnnotations().get(AnnotationCheckpointStore.ANNOTATION);
    if (checkpoint == null) {
      return false;
    }
    try {
      return JSON.readTree(checkpoint).path("sourceArtifacts").size() > 0;
    } catch (IOException e) {
      throw new UncheckedIOException("the checkpoint annotation is not JSON: " + checkpoint, e);
    }
  }

  private void applySource() {
    SourceSpec admin = LocalOpenstackCloud.admin();
    Map<String, String> secret = new HashMap<>(admin.credentials().data());
    // the local cloud's catalog is plain HTTP; upstream's OpenstackSource schema has no field for
    // the opt-in, so the operator takes it from the Secret
    secret.put("insecure_plain_http", "true");
    cluster.applySecret("devstack-credentials", secret);
    OpenstackSource source = new OpenstackSource();
    source.setMetadata(new ObjectMetaBuilder().withName("devstack").withNamespace(NS).build());
    OpenstackSourceSpec spec = new OpenstackSourceSpec();
    spec.endpoint = admin.settings().get("endpoint");
    spec.region = "RegionOne";
    spec.uploadImageRetryCount = 300L;
    spec.uploadImageRetryDelay = 2L;
    spec.credentials = new CredentialsReference();
    spec.credentials.name = "devstack-credentials";
    spec.credentials.namespace = NS;
    source.setSpec(spec);
    client.resources(OpenstackSource.class).inNamespace(NS).resource(source).create();
  }
}
