package io.vmimport.operator;

import static io.vmimport.operator.TestCluster.NS;
import static io.vmimport.operator.TestCluster.condition;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmimport.api.guest.GuestConversionPolicy;
import io.vmimport.operator.crd.Condition;
import io.vmimport.operator.crd.CredentialsReference;
import io.vmimport.operator.crd.DiskInfo;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.operator.crd.VmwareSource;
import io.vmimport.operator.crd.VmwareSourceSpec;
import io.vmimport.operator.internal.JobDiskWorkers;
import io.vmimport.operator.internal.WorkerJobSpec;
import io.vmimport.provider.ova.Nginx;
import io.vmimport.provider.ova.SharedOva;
import io.vmimport.provider.vmware.VcsimWorlds;
import io.vmimport.target.harvester.Crds;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator with {@code diskWork: jobs}: each import's disks are exported, and served to
 * Harvester, by a worker Job that {@link TestKubelet} runs as a process of the built jar with the
 * Job's own command, environment and volumes, on one of three simulated nodes; vcsim is the source.
 * What the operator asks of the API server is checked against the chart rendered with {@code
 * diskWork: jobs} when each test ends.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorJobsIT {
  /** The worker's port: every simulated pod has an address of its own on the loopback. */
  private static final int WORKER_PORT = 38080;

  /** How fast the proxy lets vSphere send while a test wants to catch an export mid-way. */
  private static final long SLOW_SOURCE = 1 << 20;

  KubernetesClient client;

  @TempDir Path dir;
  private VcsimWorlds.Handle vcsim;
  private TestCluster cluster;
  private TestKubelet kubelet;
  private VmImportOperator operator;

  /** Every worker pod that existed, as first seen: they are gone once their import is done. */
  private final Map<String, Pod> workerPods = new ConcurrentHashMap<>();

  private Watch podWatch;

  /** The slow way to vcsim of the tests that act mid-export; closed after each test. */
  private ThrottlingProxy proxy;

  @BeforeEach
  void setUp() throws Exception {
    Crds.assumePresent();
    cluster = new TestCluster(client, dir);
    vcsim = VcsimWorlds.start(dir.resolve("vcsim"));
    kubelet = threeNodeKubelet(client, dir);
    podWatch =
        client
            .pods()
            .inNamespace(NS)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Pod pod) {
                    workerPods.putIfAbsent(pod.getMetadata().getName(), pod);
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (cluster != null) {
        cluster.stopOperatorCheckRbacAndClose(operator);
      }
    } finally {
      try {
        if (proxy != null) {
          proxy.close();
        }
        if (podWatch != null) {
          podWatch.close();
        }
        if (kubelet != null) {
          // what each worker said, for the report of a failed test
          for (String pod : workerPods.keySet()) {
            System.out.println("worker " + pod + ":\n" + kubelet.logs(NS, pod));
          }
          kubelet.close();
        }
      } finally {
        if (vcsim != null) {
          vcsim.close();
        }
      }
    }
  }

  private void startOperator(int retries, int parallelDisks, int concurrentImports) {
    startOperator(retries, parallelDisks, concurrentImports, Optional.empty());
  }

  private void startOperator(
      int retries, int parallelDisks, int concurrentImports, Optional<String> scratchClass) {
    cluster.diskWorkers =
        Optional.of(
            workerSettings(retries, scratchClass, GuestConversionPolicy.NEVER, parallelDisks));
    operator = cluster.startOperator(Optional.empty(), concurrentImports);
  }

  /** A kubelet of three nodes that runs the image's command from this build. */
  static TestKubelet threeNodeKubelet(KubernetesClient client, Path dir) {
    return new TestKubelet(
        client,
        // the image's paths (operator-app/Dockerfile) are the build's
        Map.of("/opt/vmimport/", Path.of("target").toAbsolutePath().normalize()),
        List.of(
            new TestKubelet.Node("node-1", Map.of()),
            new TestKubelet.Node("node-2", Map.of()),
            new TestKubelet.Node("node-3", Map.of())),
        dir.resolve("kubelet"));
  }

  /** {@code diskWork: jobs} as the chart sets it, workers placed anywhere. */
  static WorkerJobSpec.Settings workerSettings(
      int retries,
      Optional<String> scratchClass,
      GuestConversionPolicy conversion,
      int parallelDisks) {
    return new WorkerJobSpec.Settings(
        NS,
        "vmimport/vmimport-operator:test",
        OperatorConfig.WORKER_COMMAND,
        // the account the chart makes for the workers
        TestCluster.JOBS_CHART.workerServiceAccount(),
        retries,
        scratchClass,
        WorkerJobSpec.Placement.ANYWHERE,
        new ResourceRequirements(),
        conversion,
        parallelDisks,
        WORKER_PORT,
        Duration.ofSeconds(60));
  }

  @Test
  void anImportThroughAJobReachesRunningWithTheSourcesBytesAndLeavesNoWorkerBehind()
      throws Exception {
    startOperator(3, 2, 2);
    applySecret();
    applySource(vcsim.endpoint());
    VirtualMachineImport web01 = web01("jobs-web01");
    // the import's own placement for its worker
    web01
        .getMetadata()
        .setAnnotations(
            Map.of(
                WorkerJobSpec.PLACEMENT_ANNOTATION,
                "{\"nodeSelector\": {\"kubernetes.io/hostname\": \"node-3\"}}"));
    cluster.apply(web01);

    VirtualMachineImport done = cluster.awaitStatus("jobs-web01", "virtualMachineRunning");
    cluster.harvester.assertHealthy();
    cluster.assertDownloadsMatch(vcsim.knownVmDisks());
    assertThat(done.getStatus().importConditions)
        .extracting(c -> c.type)
        .contains("VMPoweredOff", "VMExported");
    List<DiskInfo> disks = done.getStatus().diskImportStatus;
    assertThat(disks).extracting(d -> d.diskName).containsExactly("disk-0", "disk-1");
    Crds.assertValid(Crds.IMPORTS, done);

    // the worker ran as the Job said: the image's command, no token, its own account
    assertThat(workerPods).hasSize(1);
    Pod pod = workerPods.values().iterator().next();
    assertThat(pod.getSpec().getContainers().get(0).getCommand())
        .isEqualTo(OperatorConfig.WORKER_COMMAND);
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
    assertThat(kubelet.podsPerNode())
        .as("pods per node: the annotation chose node-3")
        .containsEntry("node-3", 1)
        .containsEntry("node-1", 0)
        .containsEntry("node-2", 0);
    assertThat(pod.getSpec().getServiceAccountName())
        .isEqualTo(TestCluster.JOBS_CHART.workerServiceAccount());
    assertThat(kubelet.logs(NS, pod.getMetadata().getName()))
        .contains("disks exported; serving them until told to stop");
    assertNoWorkerObjectsLeft();
  }

  /**
   * An OVA over https with basic auth and a private CA: the worker gets the credentials and the CA
   * through its Secret alone, and Harvester gets the OVA's disk from it.
   */
  @Test
  void anOvaImportThroughAJobReachesRunningWithTheOvasDisk() throws Exception {
    SharedOva.assumePresent();
    Nginx.assumeInstalled();
    startOperator(3, 2, 2);
    OperatorOvaIT.applyHttpsSource(cluster, client);
    cluster.apply(TestCluster.importOf("jobs-ova", "OvaSource", "appliance", "ubuntu", "NAT"));

    VirtualMachineImport done = cluster.awaitStatus("jobs-ova", "virtualMachineRunning");

    cluster.harvester.assertHealthy();
    cluster.assertDownloadsMatch(List.of(OperatorOvaIT.virtualBoxDiskAsRaw(dir)));
    assertThat(done.getStatus().diskImportStatus)
        .extracting(d -> d.diskName)
        .containsExactly("disk-0");
    Crds.assertValid(Crds.IMPORTS, done);
    assertThat(workerPods).as("worker pods").hasSize(1);
    assertThat(kubelet.logs(NS, workerPods.keySet().iterator().next()))
        .contains("disks exported; serving them until told to stop");
    assertNoWorkerObjectsLeft();
  }

  @Test
  void sixImportsOnThreeNodesNeverExportMoreThanTwoAtOnceFromOneHost() throws Exception {
    cluster.exportsPerSourceHost = 2;
    startOperator(3, 2, 6);
    List<String> vms = List.of("vm1", "vm2", "vm3", "vm4", "vm5", "vm6");
    List<Path> raws = new ArrayList<>();
    for (int i = 0; i < vms.size(); i++) {
      Path raw = dir.resolve(vms.get(i) + ".raw");
      // 3 MiB of data: seconds through the proxy, two at a time, so that each export is seen
      // under way
      OperatorVmwareIT.writeRandom(raw, 4 << 20, 3 << 20, 100 + i);
      raws.add(raw);
      vcsim.addVm(vms.get(i), raw);
      vcsim.govc("vm.migrate", "-host", "/DC0/host/DC0_C0/DC0_C0_H0", vms.get(i));
    }
    applySecret();
    Set<String> exportingNow = ConcurrentHashMap.newKeySet();
    Set<String> everExporting = ConcurrentHashMap.newKeySet();
    Set<String> everQueued = ConcurrentHashMap.newKeySet();
    AtomicInteger mostAtOnce = new AtomicInteger();
    try (ThrottlingProxy proxy = ThrottlingProxy.to(URI.create(vcsim.endpoint()).getPort());
        Watch watch =
            client
                .resources(VirtualMachineImport.class)
                .inNamespace(NS)
                .watch(
                    new Watcher<>() {
                      @Override
                      public void eventReceived(Action action, VirtualMachineImport vmi) {
                        String name = vmi.getMetadata().getName();
                        if (OperatorVmwareIT.exporting(vmi)) {
                          exportingNow.add(name);
                          everExporting.add(name);
                        } else {
                          exportingNow.remove(name);
                        }
                        if (queued(vmi)) {
                          everQueued.add(name);
                        }
                        mostAtOnce.accumulateAndGet(exportingNow.size(), Math::max);
                      }

                      @Override
                      public void onClose(WatcherException cause) {}
                    })) {
      proxy.limit(SLOW_SOURCE);
      applySource("https://127.0.0.1:" + proxy.port() + "/sdk");
      for (String vm : vms) {
        VirtualMachineImport vmi =
            TestCluster.importOf("import-" + vm, "VmwareSource", "vcsim", vm, null);
        vmi.getSpec().folder = "Migrate";
        cluster.apply(vmi);
      }
      for (String vm : vms) {
        cluster.awaitStatus("import-" + vm, "virtualMachineRunning");
      }
    }
    cluster.harvester.assertHealthy();
    cluster.assertDownloadsMatch(raws);
    assertThat(mostAtOnce.get())
        .as("imports exporting from DC0_C0_H0 at once (the limit is 2)")
        .isBetween(1, 2);
    assertThat(everQueued).as("imports that waited for a place on the host").isNotEmpty();
    assertThat(everExporting)
        .as("imports whose export progress reached their status")
        .hasSize(vms.size());
    assertThat(kubelet.podsPerNode().keySet())
        .as("nodes the workers ran on")
        .containsExactlyInAnyOrder("node-1", "node-2", "node-3");
    assertNoWorkerObjectsLeft();
  }

  @Test
  void aKilledWorkerContinuesFromItsLastFinishedDisk() throws Exception {
    // scratch on an ephemeral volume of the storage class: it outlives the process, not the pod
    startOperator(1, 1, 2, Optional.of("harvester-longhorn"));
    List<Path> raws = OperatorVmwareIT.bigVmDisks(dir);
    slowBig01(raws);
    cluster.apply(OperatorVmwareIT.big01("killed"));
    cluster.await("killed", OperatorVmwareIT::firstDiskDoneSecondExporting, false);
    Pod pod = onlyPod();
    long pid = kubelet.process(NS, pod.getMetadata().getName()).pid();
    assertThat(
            client.persistentVolumeClaims().inNamespace(NS).list().getItems().stream()
                .map(c -> c.getSpec().getStorageClassName())
                .toList())
        .as("the worker's scratch volume")
        .containsExactly("harvester-longhorn");
    kubelet.kill(NS, pod.getMetadata().getName());
    proxy.limit(0);
    cluster.awaitStatus("killed", "virtualMachineRunning");
    String log = kubelet.logs(NS, pod.getMetadata().getName());
    assertThat(kubelet.process(NS, pod.getMetadata().getName()).pid())
        .as("the worker ran again in the same pod")
        .isNotEqualTo(pid);
    assertThat(log)
        .as("the worker's log")
        .contains("disk-0 was finished by an earlier run, not exporting it again");
    cluster.assertDownloadsMatch(raws);
    assertNoWorkerObjectsLeft();
  }

  @Test
  void aRestartedOperatorFollowsTheWorkerItsPredecessorStarted() throws Exception {
    startOperator(3, 1, 2);
    List<Path> raws = OperatorVmwareIT.bigVmDisks(dir);
    slowBig01(raws);
    cluster.apply(OperatorVmwareIT.big01("restarted"));
    cluster.await("restarted", OperatorVmwareIT::exporting, false);
    String pod = onlyPod().getMetadata().getName();
    long pid = kubelet.process(NS, pod).pid();

    operator.close();
    operator = cluster.startOperator(Optional.empty(), 2);
    proxy.limit(0);
    cluster.awaitStatus("restarted", "virtualMachineRunning");
    assertThat(workerPods.keySet()).as("worker pods ever").containsExactly(pod);
    assertThat(kubelet.process(NS, pod).pid())
        .as("the worker's process: the same, not restarted")
        .isEqualTo(pid);
    cluster.assertDownloadsMatch(raws);
    assertNoWorkerObjectsLeft();
  }

  @Test
  void aWorkerFailingBeyondItsRetriesFailsTheImportWithTheReason() throws Exception {
    startOperator(0, 1, 2);
    List<Path> raws = OperatorVmwareIT.bigVmDisks(dir);
    slowBig01(raws);
    cluster.apply(OperatorVmwareIT.big01("doomed"));
    cluster.await("doomed", OperatorVmwareIT::exporting, false);
    kubelet.kill(NS, onlyPod().getMetadata().getName());
    VirtualMachineImport failed = cluster.awaitStatus("doomed", "VMMigrationFailed", true);
    Condition progress = condition(failed.getStatus().importConditions, "VMExportFailed");
    assertThat(progress).as("VMExportFailed of %s", TestCluster.describe(failed)).isNotNull();
    assertThat(progress.message)
        .contains("Job " + NS + "/vmimport-worker-" + failed.getMetadata().getUid())
        .contains("BackoffLimitExceeded")
        .as("how the worker ended: killed")
        .contains("the worker's last run: exit code 137");
    assertNoWorkerObjectsLeft();
  }

  @Test
  void deletingAnImportMidExportStopsItsWorkerWhichReleasesTheSource() throws Exception {
    startOperator(3, 1, 2);
    List<Path> raws = OperatorVmwareIT.bigVmDisks(dir);
    slowBig01(raws);
    cluster.apply(OperatorVmwareIT.big01("deleted"));
    cluster.await("deleted", OperatorVmwareIT::exporting, false);
    String pod = onlyPod().getMetadata().getName();
    cluster.deleteAndAwaitGone("deleted");
    assertThat(kubelet.logs(NS, pod))
        .as("the worker's log")
        .contains("told to stop: cancelling the import")
        .containsPattern("NFC lease \\S+ aborted");
    assertNoWorkerObjectsLeft();
    cluster.assertNothingLeftInHarvesterOrScratch();
  }

  /**
   * big01 in vcsim with {@code raws} as its disks, and the source "vcsim" reaching it through a
   * proxy that sends {@link #SLOW_SOURCE}, so that a test can act while it is exported.
   */
  private void slowBig01(List<Path> raws) throws Exception {
    vcsim.addVm("big01", raws.toArray(Path[]::new));
    applySecret();
    proxy = ThrottlingProxy.to(URI.create(vcsim.endpoint()).getPort());
    proxy.limit(SLOW_SOURCE);
    applySource("https://127.0.0.1:" + proxy.port() + "/sdk");
  }

  /** No Job, Secret, Pod or PVC of a worker remains. */
  private void assertNoWorkerObjectsLeft() throws Exception {
    Map<String, String> component = Map.of("app.kubernetes.io/component", "disk-worker");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      List<Job> jobs = client.batch().v1().jobs().inNamespace(NS).list().getItems();
      List<String> left = new ArrayList<>();
      jobs.forEach(j -> left.add("Job " + j.getMetadata().getName()));
      client.secrets().inNamespace(NS).withLabels(component).list().getItems().stream()
          .forEach(s -> left.add("Secret " + s.getMetadata().getName()));
      client.pods().inNamespace(NS).list().getItems().stream()
          .forEach(p -> left.add("Pod " + p.getMetadata().getName()));
      client
          .persistentVolumeClaims()
          .inNamespace(NS)
          .withLabels(component)
          .list()
          .getItems()
          .stream()
          .forEach(p -> left.add("PVC " + p.getMetadata().getName()));
      if (left.isEmpty()) {
        return;
      }
      assertThat(System.nanoTime()).as("worker objects left: %s", left).isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(200);
    }
  }

  private Pod onlyPod() {
    List<Pod> pods =
        client.pods().inNamespace(NS).withLabel(JobDiskWorkers.IMPORT_UID).list().getItems();
    assertThat(pods).as("worker pods").hasSize(1);
    return pods.get(0);
  }

  private void applySecret() {
    cluster.applySecret("vcsim-creds", vcsim.sourceWithCa().credentials().data());
  }

  private void applySource(String endpoint) {
    VmwareSource source = new VmwareSource();
    source.setMetadata(new ObjectMetaBuilder().withName("vcsim").withNamespace(NS).build());
    VmwareSourceSpec spec = new VmwareSourceSpec();
    spec.endpoint = endpoint;
    spec.dc = vcsim.sourceWithCa().settings().get("dc");
    spec.credentials = new CredentialsReference();
    spec.credentials.name = "vcsim-creds";
    spec.credentials.namespace = NS;
    source.setSpec(spec);
    client.resources(VmwareSource.class).inNamespace(NS).resource(source).create();
  }

  private static VirtualMachineImport web01(String name) {
    VirtualMachineImport vmi =
        TestCluster.importOf(name, "VmwareSource", "vcsim", "web01", "PG-Prod");
    vmi.getSpec().folder = "Migrate";
    return vmi;
  }

  private static boolean queued(VirtualMachineImport vmi) {
    return vmi.getStatus() != null
        && vmi.getStatus().importConditions != null
        && condition(vmi.getStatus().importConditions, "Progress") != null
        && "Queued".equals(condition(vmi.getStatus().importConditions, "Progress").reason);
  }
}
