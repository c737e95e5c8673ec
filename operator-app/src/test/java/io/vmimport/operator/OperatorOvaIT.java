package io.vmimport.operator;

import static io.vmimport.operator.TestCluster.NS;
import static io.vmimport.operator.TestCluster.condition;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmimport.operator.crd.CredentialsReference;
import io.vmimport.operator.crd.DiskInfo;
import io.vmimport.operator.crd.OvaSource;
import io.vmimport.operator.crd.OvaSourceSpec;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.provider.ova.Nginx;
import io.vmimport.provider.ova.NginxPeer;
import io.vmimport.provider.ova.SharedOva;
import io.vmimport.target.harvester.Crds;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator imports the shared VirtualBox OVA, served by a real nginx over https with basic auth
 * and a throw-away CA, through upstream's statuses to a running VM, on the mock API server with the
 * real CRDs.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorOvaIT {
  KubernetesClient client;

  @TempDir Path dir;
  private TestCluster cluster;
  private VmImportOperator operator;

  @BeforeEach
  void setUp() throws Exception {
    // before anything starts, so that the tear-down has nothing to stop
    Crds.assumePresent();
    SharedOva.assumePresent();
    Nginx.assumeInstalled();
    cluster = new TestCluster(client, dir);
    operator = cluster.startOperator(Optional.empty());
  }

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.stopOperatorCheckRbacAndClose(operator);
    }
  }

  /**
   * A tenant who may create an OvaSource must not make the operator read its own pod's files: a
   * {@code file://} URL is refused, the source is not ready, and the message says what to do.
   */
  @Test
  void aFileUrlIsRefusedSoThatASourceCannotReadTheOperatorsFiles() throws Exception {
    OvaSource source = new OvaSource();
    source.setMetadata(new ObjectMetaBuilder().withName("local").withNamespace(NS).build());
    OvaSourceSpec spec = new OvaSourceSpec();
    spec.url = SharedOva.virtualBox().toUri().toString();
    source.setSpec(spec);
    client.resources(OvaSource.class).inNamespace(NS).resource(source).create();

    OvaSource refused =
        cluster.awaitSource(
            OvaSource.class, "local", s -> "clusterNotReady".equals(TestCluster.statusOf(s)));

    assertThat(condition(refused.getStatus().conditions, "ClusterReady").message)
        .isEqualTo(
            "OvaSource "
                + NS
                + "/local: spec.url: the operator does not read local files ("
                + spec.url
                + "); serve the file over https, or import it with the vmimport command");
  }

  @Test
  void importsTheVirtualBoxOvaOverHttpsToARunningVm() throws Exception {
    applyHttpsSource(cluster, client);
    List<String> statuses = cluster.recordStatuses("ova-import");

    cluster.apply(TestCluster.importOf("ova-import", "OvaSource", "appliance", "ubuntu", "NAT"));

    VirtualMachineImport done = cluster.awaitStatus("ova-import", "virtualMachineRunning");
    List<String> seen = TestCluster.distinctInOrder(statuses);
    assertThat(seen.stream().map(TestCluster.COMPAT_ORDER::indexOf).toList())
        .as("statuses %s follow %s", seen, TestCluster.COMPAT_ORDER)
        .isSorted()
        .doesNotContain(-1);
    OvaSource ready = client.resources(OvaSource.class).inNamespace(NS).withName("appliance").get();
    assertThat(ready.getStatus().status).isEqualTo("clusterReady");
    assertThat(condition(ready.getStatus().conditions, "ClusterReady").status).isEqualTo("True");
    List<DiskInfo> disks = done.getStatus().diskImportStatus;
    assertThat(disks).extracting(d -> d.diskName).containsExactly("disk-0");
    assertThat(disks.get(0).busType).isEqualTo("sata");
    Crds.assertValid(Crds.IMPORTS, done);

    // Harvester got exactly the OVA's disk
    Path raw = virtualBoxDiskAsRaw(dir);
    cluster.assertDownloadsMatch(List.of(raw));
  }

  /**
   * The OvaSource "appliance": the shared VirtualBox OVA served by nginx over https, with basic
   * auth and the CA in its credentials Secret.
   */
  static void applyHttpsSource(TestCluster cluster, KubernetesClient client) throws Exception {
    Nginx nginx = NginxPeer.get();
    cluster.applySecret(
        "ova-creds",
        Map.of("username", Nginx.USER, "password", Nginx.PASSWORD, "ca.crt", nginx.caPem()));
    OvaSource source = new OvaSource();
    source.setMetadata(new ObjectMetaBuilder().withName("appliance").withNamespace(NS).build());
    OvaSourceSpec spec = new OvaSourceSpec();
    spec.url = nginx.https("private/" + SharedOva.VIRTUALBOX).toString();
    spec.httpTimeoutSeconds = 30L;
    spec.credentials = new CredentialsReference();
    spec.credentials.name = "ova-creds";
    spec.credentials.namespace = NS;
    source.setSpec(spec);
    client.resources(OvaSource.class).inNamespace(NS).resource(source).create();
  }

  /** The VirtualBox OVA's disk, converted to raw in {@code dir}: what Harvester must get. */
  static Path virtualBoxDiskAsRaw(Path dir) throws Exception {
    Path extracted = dir.resolve("extracted");
    SharedOva.extract(SharedOva.virtualBox(), extracted);
    Path raw = dir.resolve("ova-disk.raw");
    Process convert =
        new ProcessBuilder(
                "qemu-img",
                "convert",
                "-O",
                "raw",
                extracted.resolve(SharedOva.VIRTUALBOX_DISK).toString(),
                raw.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(convert.waitFor(60, TimeUnit.SECONDS) && convert.exitValue() == 0).isTrue();
    return raw;
  }
}
