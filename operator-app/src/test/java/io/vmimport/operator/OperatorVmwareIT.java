package io.vmimport.operator;

import static io.vmimport.operator.TestCluster.NS;
import static io.vmimport.operator.TestCluster.condition;
import static io.vmimport.operator.TestCluster.importStatus;
import static io.vmimport.operator.TestCluster.statusOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.operator.crd.Condition;
import io.vmimport.operator.crd.CredentialsReference;
import io.vmimport.operator.crd.DiskInfo;
import io.vmimport.operator.crd.OvaSource;
import io.vmimport.operator.crd.OvaSourceSpec;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.operator.crd.VmwareSource;
import io.vmimport.operator.crd.VmwareSourceSpec;
import io.vmimport.provider.vmware.VcsimWorlds;
import io.vmimport.target.harvester.Crds;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator end to end against a real vcsim (TLS verified with its CA from the Secret) on the
 * mock API server with the real CRDs; {@link FakeHarvester} plays the image controller and
 * KubeVirt. Objects have the shape of upstream's samples.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorVmwareIT {
  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir Path dir;
  private VcsimWorlds.Handle vcsim;
  private TestCluster cluster;
  private VmImportOperator operator;

  @BeforeEach
  void setUp() throws Exception {
    Crds.assumePresent(); // before anything starts, so that the tear-down has nothing to stop
    cluster = new TestCluster(client, dir);
    vcsim = VcsimWorlds.start(dir.resolve("vcsim"));
    operator = cluster.startOperator(Optional.empty());
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (cluster != null) {
        cluster.stopOperatorCheckRbacAndClose(operator);
      }
    } finally {
      if (vcsim != null) {
        vcsim.close();
      }
    }
  }

  @Test
  void importsWeb01ThroughUpstreamsStatusesToARunningVm() throws Exception {
    List<String> statuses = cluster.recordStatuses("web01-import");
    applySecret(vcsim.sourceWithCa());
    applySource();
    cluster.apply(web01("web01-import"));

    VirtualMachineImport done = cluster.awaitStatus("web01-import", "virtualMachineRunning");
    cluster.harvester.assertHealthy();

    // every status the watch saw, in charts/vmimport-operator/docs/COMPAT.md's order, none skipped
    // backwards
    List<String> seen = TestCluster.distinctInOrder(statuses);
    assertThat(seen).last().isEqualTo("virtualMachineRunning");
    assertThat(seen.stream().map(TestCluster.COMPAT_ORDER::indexOf).toList())
        .as("statuses %s follow %s", seen, TestCluster.COMPAT_ORDER)
        .isSorted()
        .doesNotContain(-1);
    assertThat(cluster.eventReasons("web01-import"))
        .contains(
            "Started",
            "VirtualMachineImportValid",
            "SourceReady",
            "DisksExported",
            "DiskImageSubmitted",
            "DiskImagesReady",
            "VirtualMachineCreated",
            "VirtualMachineRunning");

    VmwareSource source =
        client.resources(VmwareSource.class).inNamespace(NS).withName("vcsim").get();
    assertThat(source.getStatus().status).isEqualTo("clusterReady");
    assertThat(condition(source.getStatus().conditions, "ClusterReady").status).isEqualTo("True");

    assertThat(done.getStatus().importedVirtualMachineName).isEqualTo("web01");
    assertThat(done.getStatus().importConditions)
        .extracting(c -> c.type)
        .contains("VMPoweredOff", "VMExported");
    List<DiskInfo> disks = done.getStatus().diskImportStatus;
    assertThat(disks).extracting(d -> d.diskName).containsExactly("disk-0", "disk-1");
    for (DiskInfo disk : disks) {
      assertThat(disk.virtualMachineImage).as("image of %s", disk.diskName).isNotBlank();
      assertThat(disk.busType).isNotBlank();
      assertThat(disk.diskSize).isPositive();
      assertThat(condition(disk.diskConditions, "VirtualMachineImageSubmitted").status)
          .isEqualTo("True");
      assertThat(condition(disk.diskConditions, "VirtualMachineImageReady").status)
          .isEqualTo("True");
    }
    // the status as a whole is valid for upstream's CRD
    Crds.assertValid(Crds.IMPORTS, done);
    // the run drops its checkpoint right after it reports virtualMachineRunning
    cluster.await(
        "web01-import",
        vmi ->
            vmi.getMetadata().getAnnotations() == null
                || !vmi.getMetadata().getAnnotations().containsKey("vmimport.io/checkpoint"));

    GenericKubernetesResource vm =
        client
            .genericKubernetesResources(FakeHarvester.VMS)
            .inNamespace(NS)
            .withName("web01")
            .get();
    assertThat(vm).as("KubeVirt VirtualMachine web01").isNotNull();
    Crds.assertValid(Crds.VIRTUAL_MACHINES, vm);

    // Harvester downloaded exactly the source disks' bytes
    assertThat(cluster.harvester.downloaded().keySet())
        .containsExactlyInAnyOrderElementsOf(
            disks.stream().map(d -> d.virtualMachineImage).toList());
    cluster.assertDownloadsMatch(vcsim.knownVmDisks());

    String metrics = cluster.get(operator, "/metrics");
    assertThat(metrics).contains("vmimport_imports{phase=\"virtualMachineRunning\"} 1.0");
    assertThat(metrics).containsPattern("vmimport_transferred_bytes_total [1-9]");
    assertThat(cluster.get(operator, "/readyz")).isEqualTo("ready\n");
  }

  @Test
  void aWrongPasswordMakesTheSourceNotReadyUntilTheSecretIsFixed() throws Exception {
    SourceSpec good = vcsim.sourceWithCa();
    applySecret(vcsim.sourceWithCaAndPassword("not-the-password"));
    applySource();
    cluster.apply(web01("waits"));

    VmwareSource failing =
        cluster.awaitSource(
            VmwareSource.class, "vcsim", s -> "clusterNotReady".equals(statusOf(s)));
    Condition error = condition(failing.getStatus().conditions, "ClusterError");
    assertThat(error.status).isEqualTo("True");
    assertThat(error.message)
        .contains("password")
        .contains(NS + "/vcsim-creds")
        .doesNotContain("not-the-password");
    assertThat(condition(failing.getStatus().conditions, "ClusterReady").status).isEqualTo("False");
    VirtualMachineImport waiting =
        cluster.await(
            "waits", vmi -> vmi.getStatus() != null && vmi.getStatus().importConditions != null);
    assertThat(importStatus(waiting)).isEmpty();
    assertThat(condition(waiting.getStatus().importConditions, "Progress").reason)
        .isEqualTo("SourceNotReady");

    long fixedAt = System.nanoTime();
    applySecret(good);
    cluster.awaitSource(VmwareSource.class, "vcsim", s -> "clusterReady".equals(statusOf(s)));
    assertThat(Duration.ofNanos(System.nanoTime() - fixedAt))
        .as("the Secret's change is seen at once, not at the next periodic check (30 s here)")
        .isLessThan(Duration.ofSeconds(15));
    cluster.awaitStatus("waits", "virtualMachineRunning");
  }

  @Test
  void aRestartedOperatorContinuesWithoutExportingFinishedDisksAgain() throws Exception {
    cluster.harvester.holdImages();
    applySecret(vcsim.sourceWithCa());
    applySource();
    cluster.apply(web01("restarted"));
    VirtualMachineImport before = cluster.awaitStatus("restarted", "diskImageSubmitted");
    assertThat(before.getMetadata().getAnnotations()).containsKey("vmimport.io/checkpoint");

    operator.close();
    operator = cluster.startOperator(Optional.empty());
    cluster.harvester.releaseImages();

    cluster.awaitStatus("restarted", "virtualMachineRunning");
    assertThat(cluster.get(operator, "/metrics"))
        .as("the new process read no disk bytes from vSphere")
        .contains("vmimport_transferred_bytes_total 0.0");
  }

  @Test
  void anOperatorKilledMidExportIsContinuedByTheNextWithoutReExportingFinishedDisks()
      throws Exception {
    operator.close();
    operator = null;
    List<Path> raws = bigVmDisks(dir);
    List<Path> vmdks = vcsim.addVm("big01", raws.toArray(Path[]::new));
    applySecret(vcsim.sourceWithCa());
    try (ThrottlingProxy proxy = slowSource()) {
      Path log = dir.resolve("killed-operator.log");
      // disk 0, then disk 1
      Process killed =
          cluster.startOperatorProcess(log, Map.of("VMIMPORT_MAX_PARALLEL_DISKS", "1"));
      VirtualMachineImport mid;
      try {
        cluster.apply(big01("killed"));
        mid = cluster.await("killed", OperatorVmwareIT::firstDiskDoneSecondExporting, false);
      } finally {
        killed.destroyForcibly(); // SIGKILL: no shutdown hook, no suspend
        assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(mid.getMetadata().getAnnotations()).containsKey("vmimport.io/checkpoint");
      assertThat(proxy.bytesToClients())
          .as("bytes vSphere sent before the kill")
          .isLessThan(Files.size(vmdks.get(0)) + Files.size(vmdks.get(1)));

      // the operator's log is JSON, one object per line, with the import's MDC key
      List<String> lines = Files.readAllLines(log);
      com.fasterxml.jackson.databind.ObjectMapper json =
          new com.fasterxml.jackson.databind.ObjectMapper();
      assertThat(lines).isNotEmpty();
      for (String line : lines) {
        assertThat(json.readTree(line).has("@timestamp")).as("a JSON log line: %s", line).isTrue();
      }
      assertThat(lines).anyMatch(l -> l.contains("\"vmimport.import\":\"default/killed\""));

      proxy.limit(0);
      operator = cluster.startOperator(Optional.empty());
      cluster.awaitStatus("killed", "virtualMachineRunning");
      assertThat(transferredBytes(cluster.get(operator, "/metrics")))
          .as("the new process read the unfinished disk again, and only that one")
          .isEqualTo(Files.size(vmdks.get(1)));
      cluster.assertDownloadsMatch(raws);
    }
  }

  /**
   * Issue #18: with one export allowed per ESXi host, the second import from that host waits, says
   * so in its status, and goes on when the first has left the host (that its VM is not touched
   * meanwhile, ImportEngineTest shows).
   */
  @Test
  void aSecondImportFromABusyEsxiHostIsQueuedUntilTheFirstHasExported() throws Exception {
    operator.close();
    cluster.exportsPerSourceHost = 1;
    operator = cluster.startOperator(Optional.empty());
    List<Path> raws = bigVmDisks(dir);
    vcsim.addVm("big01", raws.toArray(Path[]::new));
    vcsim.addVm("big02", raws.toArray(Path[]::new));
    for (String vm : List.of("big01", "big02")) {
      vcsim.govc("vm.migrate", "-host", "/DC0/host/DC0_C0/DC0_C0_H0", vm);
    }
    applySecret(vcsim.sourceWithCa());
    try (ThrottlingProxy proxy = slowSource()) {
      cluster.apply(big01("first"));
      cluster.await("first", OperatorVmwareIT::exporting, false);
      VirtualMachineImport second = big01("second");
      second.getSpec().virtualMachineName = "big02";
      cluster.apply(second);

      VirtualMachineImport queued =
          cluster.await(
              "second",
              vmi ->
                  vmi.getStatus() != null
                      && vmi.getStatus().importConditions != null
                      && condition(vmi.getStatus().importConditions, "Progress") != null
                      && "Queued"
                          .equals(condition(vmi.getStatus().importConditions, "Progress").reason),
              false);
      assertThat(condition(queued.getStatus().importConditions, "Progress").message)
          .contains("1 import(s) are exporting from DC0_C0_H0 (vmware https://127.0.0.1:")
          .contains("this one is next");

      proxy.limit(0);
      cluster.awaitStatus("first", "virtualMachineRunning");
      cluster.awaitStatus("second", "virtualMachineRunning");
      cluster.assertDownloadsMatch(List.of(raws.get(0), raws.get(1), raws.get(0), raws.get(1)));
    }
  }

  /** Bytes of a disk are moving. */
  static boolean exporting(VirtualMachineImport vmi) {
    return vmi.getStatus() != null
        && vmi.getStatus().diskImportStatus != null
        && vmi.getStatus().diskImportStatus.stream()
            .anyMatch(
                d ->
                    d.diskConditions != null
                        && condition(d.diskConditions, "Progress") != null
                        && "Exporting".equals(condition(d.diskConditions, "Progress").reason));
  }

  @Test
  void deletingAnImportMidExportCancelsItAndLeavesNothingBehind() throws Exception {
    List<Path> raws = bigVmDisks(dir);
    List<Path> vmdks = vcsim.addVm("big01", raws.toArray(Path[]::new));
    applySecret(vcsim.sourceWithCa());
    List<String> nfcUrls = new java.util.concurrent.CopyOnWriteArrayList<>();
    ch.qos.logback.classic.Logger exportLog =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(
                io.vmimport.provider.vmware.internal.VmwareExportSession.class);
    ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> urls =
        new ch.qos.logback.core.AppenderBase<>() {
          @Override
          protected void append(ch.qos.logback.classic.spi.ILoggingEvent event) {
            if (event.getMessage().contains("downloading disk")) {
              nfcUrls.add(String.valueOf(event.getArgumentArray()[2]));
            }
          }
        };
    urls.start();
    exportLog.addAppender(urls);
    try (ThrottlingProxy proxy = slowSource()) {
      cluster.apply(big01("deleted"));
      cluster.await("deleted", OperatorVmwareIT::firstDiskDoneSecondExporting, false);
      assertThat(nfcUrls).hasSize(2);

      cluster.deleteAndAwaitGone("deleted");
      long sent = proxy.bytesToClients();
      TimeUnit.SECONDS.sleep(1);
      assertThat(proxy.bytesToClients())
          .as("the transfer stopped: bytes sent by vSphere a second after the delete")
          .isLessThan(sent + 64 * 1024)
          .isLessThan(Files.size(vmdks.get(0)) + Files.size(vmdks.get(1)));
      for (String url : nfcUrls) {
        assertThat(nfcStatus(url)).as("the export lease behind %s has ended", url).isEqualTo(404);
      }
    } finally {
      exportLog.detachAppender(urls);
    }
    cluster.assertNothingLeftInHarvesterOrScratch();
    assertThat(operator.runningImports()).isZero();
  }

  @Test
  void onlyTheLeaderImportsAndAStandbyTakesOverWhenItStops() throws Exception {
    // java-operator-sdk asks the API server whether it may use Leases; the mock's CRUD mode does
    // not answer SelfSubjectRulesReviews, so this plays the API server's answer for the operator's
    // account with the chart's RBAC
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, cluster.chartsRulesReview())
        .always();
    operator.close();
    operator = cluster.startOperator(Optional.of(NS));
    awaitLeaseHolder(operator.identity());
    VmImportOperator standby = cluster.startOperator(Optional.of(NS));
    try {
      applySecret(vcsim.sourceWithCa());
      applySource();
      cluster.apply(web01("led"));
      cluster.awaitStatus("led", "virtualMachineRunning");
      String sourceReady = "vmimport_import_phase_transitions_total{phase=\"sourceReady\"} 1.0";
      assertThat(cluster.get(standby, "/metrics"))
          .as("the standby imported nothing")
          .doesNotContain(sourceReady);
      assertThat(cluster.get(operator, "/metrics")).contains(sourceReady);

      operator.close();
      operator = null;
      awaitLeaseHolder(standby.identity());
      VirtualMachineImport second =
          TestCluster.importOf("taken-over", "VmwareSource", "vcsim", "app01", null);
      second.getSpec().folder = "Migrate";
      second.getSpec().forcePowerOff = true;
      cluster.apply(second);
      cluster.awaitStatus("taken-over", "virtualMachineRunning");
    } finally {
      standby.close();
    }
  }

  /**
   * Issue #13: an import that brought web01 to running is deleted, and an import of the same name
   * is created for app01. app01 used to be built on web01's images and live volumes, which the new
   * import found by its name. Scratch is empty once an import has succeeded.
   */
  @Test
  void anImportCreatedAgainUnderTheNameOfAFinishedOneMakesItsOwnDisksAndVm() throws Exception {
    applySecret(vcsim.sourceWithCa());
    applySource();
    cluster.apply(web01("imp"));
    VirtualMachineImport first = cluster.awaitStatus("imp", "virtualMachineRunning");
    awaitNoFileInScratch();
    Map<String, String> web01Objects = harvesterObjects();
    assertThat(web01Objects).containsKey("VirtualMachine/web01");

    cluster.deleteAndAwaitGone("imp");
    assertThat(harvesterObjects())
        .as("deleting a finished import keeps its VM and disks")
        .isEqualTo(web01Objects);
    VirtualMachineImport again =
        TestCluster.importOf("imp", "VmwareSource", "vcsim", "app01", null);
    again.getSpec().folder = "Migrate";
    again.getSpec().forcePowerOff = true;
    cluster.apply(again);
    VirtualMachineImport second = cluster.awaitStatus("imp", "virtualMachineRunning");

    assertThat(second.getMetadata().getUid()).isNotEqualTo(first.getMetadata().getUid());
    List<String> images =
        second.getStatus().diskImportStatus.stream().map(d -> d.virtualMachineImage).toList();
    assertThat(images)
        .as("app01's own images")
        .allMatch(name -> name.startsWith("app01-"))
        .noneMatch(name -> web01Objects.containsKey("VirtualMachineImage/" + name));
    GenericKubernetesResource app01 =
        client
            .genericKubernetesResources(FakeHarvester.VMS)
            .inNamespace(NS)
            .withName("app01")
            .get();
    assertThat(claimsOf(app01)).as("app01's volumes").containsExactlyElementsOf(images);
    assertThat(harvesterObjects()).as("web01's objects").containsAllEntriesOf(web01Objects);
    awaitNoFileInScratch();
  }

  /** Images, PVCs and VMs of the test namespace: "kind/name" to uid. */
  private Map<String, String> harvesterObjects() {
    Map<String, String> objects = new java.util.TreeMap<>();
    for (var context : List.of(FakeHarvester.IMAGES, FakeHarvester.VMS)) {
      for (GenericKubernetesResource object :
          client.genericKubernetesResources(context).inNamespace(NS).list().getItems()) {
        objects.put(
            context.getKind() + "/" + object.getMetadata().getName(),
            object.getMetadata().getUid());
      }
    }
    for (var claim : client.persistentVolumeClaims().inNamespace(NS).list().getItems()) {
      objects.put(
          "PersistentVolumeClaim/" + claim.getMetadata().getName(), claim.getMetadata().getUid());
    }
    return objects;
  }

  @SuppressWarnings("unchecked")
  private static List<String> claimsOf(GenericKubernetesResource machine) {
    Map<String, Object> spec = (Map<String, Object>) machine.getAdditionalProperties().get("spec");
    Map<String, Object> template = (Map<String, Object>) spec.get("template");
    Map<String, Object> templateSpec = (Map<String, Object>) template.get("spec");
    List<Map<String, Object>> volumes = (List<Map<String, Object>>) templateSpec.get("volumes");
    return volumes.stream()
        .map(v -> (String) ((Map<String, Object>) v.get("persistentVolumeClaim")).get("claimName"))
        .toList();
  }

  private void awaitNoFileInScratch() throws Exception {
    Instant deadline = Instant.now().plus(TestCluster.DEADLINE);
    while (Files.exists(cluster.scratch())) {
      List<Path> files;
      try (var walk = Files.walk(cluster.scratch())) {
        files = walk.filter(Files::isRegularFile).toList();
      }
      if (files.isEmpty()) {
        return;
      }
      assertThat(Instant.now()).as("files left in scratch: %s", files).isBefore(deadline);
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  @Test
  void twoImportsRunAtOnce() throws Exception {
    cluster.harvester.holdImages();
    applySecret(vcsim.sourceWithCa());
    applySource();
    cluster.apply(web01("first"));
    VirtualMachineImport second =
        TestCluster.importOf("second", "VmwareSource", "vcsim", "app01", null);
    second.getSpec().folder = "Migrate";
    second.getSpec().forcePowerOff = true;
    cluster.apply(second);

    // both runs wait for Harvester at the same time: neither waited for the other to finish
    cluster.awaitStatus("first", "diskImageSubmitted");
    cluster.awaitStatus("second", "diskImageSubmitted");
    assertThat(operator.runningImports()).isEqualTo(2);
    cluster.harvester.releaseImages();
    cluster.awaitStatus("first", "virtualMachineRunning");
    cluster.awaitStatus("second", "virtualMachineRunning");
  }

  @Test
  void queuedImportsStartInTheOrderTheyWereCreated() throws Exception {
    operator.close();
    operator = cluster.startOperator(Optional.empty(), 1);
    List<String> vms = List.of("q1", "q2", "q3");
    for (int i = 0; i < vms.size(); i++) {
      Path raw = dir.resolve(vms.get(i) + ".raw");
      writeRandom(raw, 1 << 20, 64 << 10, 20 + i);
      vcsim.addVm(vms.get(i), raw);
    }
    cluster.harvester.holdImages();
    applySecret(vcsim.sourceWithCa());
    applySource();
    cluster.apply(web01("first"));
    cluster.awaitStatus("first", "diskImageSubmitted");
    List<String> started = cluster.recordStarts();

    // created a second apart (creation times have seconds), named against their order
    List<String> imports = List.of("z-import", "y-import", "x-import");
    for (int i = 0; i < imports.size(); i++) {
      VirtualMachineImport vmi =
          TestCluster.importOf(imports.get(i), "VmwareSource", "vcsim", vms.get(i), null);
      vmi.getSpec().folder = "Migrate";
      cluster.apply(vmi);
      VirtualMachineImport queued = cluster.await(imports.get(i), OperatorVmwareIT::isQueued);
      assertThat(condition(queued.getStatus().importConditions, "Progress").message)
          .contains("1 import(s) are running");
      TimeUnit.MILLISECONDS.sleep(1100);
    }
    cluster.harvester.releaseImages();

    for (String name : imports) {
      cluster.awaitStatus(name, "virtualMachineRunning");
    }
    assertThat(started).filteredOn(imports::contains).containsExactlyElementsOf(imports);
  }

  private static boolean isQueued(VirtualMachineImport vmi) {
    if (vmi.getStatus() == null || vmi.getStatus().importConditions == null) {
      return false;
    }
    return vmi.getStatus().importConditions.stream()
        .anyMatch(c -> "Progress".equals(c.type) && "Queued".equals(c.reason));
  }

  @Test
  void aFailedImportStaysFailedWithItsReason() throws Exception {
    applySecret(vcsim.sourceWithCa());
    applySource();
    cluster.apply(
        TestCluster.importOf("missing", "VmwareSource", "vcsim", "no-such-vm", "PG-Prod"));

    VirtualMachineImport invalid =
        cluster.awaitStatus("missing", "virtualMachineImportInvalid", true);
    Condition failed = condition(invalid.getStatus().importConditions, "VMMigrationFailed");
    assertThat(failed.reason).isEqualTo("NOT_FOUND");
    assertThat(failed.message).contains("no-such-vm");
    assertThat(cluster.eventReasons("missing")).contains("ImportInvalid");

    // a spec change (a new generation) reconciles it again: it stays as it is
    invalid.getSpec().storageClass = "harvester-longhorn";
    client.resources(VirtualMachineImport.class).inNamespace(NS).resource(invalid).update();
    TimeUnit.SECONDS.sleep(3);
    VirtualMachineImport after =
        client.resources(VirtualMachineImport.class).inNamespace(NS).withName("missing").get();
    assertThat(importStatus(after)).isEqualTo("virtualMachineImportInvalid");
    assertThat(cluster.eventReasons("missing")).containsOnlyOnce("ImportInvalid");
    assertThat(operator.runningImports()).isZero();
  }

  @Test
  void sourcesSayWhatIsWrongWithThem() throws Exception {
    // a Secret in another namespace is refused unless the operator allows it
    applySecret(vcsim.sourceWithCa());
    VmwareSource borrowing = vmwareSource("borrowing");
    borrowing.getSpec().credentials.namespace = "other-team";
    client.resources(VmwareSource.class).inNamespace(NS).resource(borrowing).create();
    VmwareSource refused =
        cluster.awaitSource(
            VmwareSource.class, "borrowing", s -> "clusterNotReady".equals(statusOf(s)));
    assertThat(condition(refused.getStatus().conditions, "ClusterError").message)
        .contains("other-team/vcsim-creds")
        .contains("allowCrossNamespaceSecrets");

    // an import naming a source of another namespace is invalid unless the operator allows it
    VirtualMachineImport elsewhere =
        TestCluster.importOf("elsewhere", "VmwareSource", "vcsim", "web-01", "PG-Prod");
    elsewhere.getSpec().sourceCluster.setNamespace("other-team");
    cluster.apply(elsewhere);
    VirtualMachineImport invalid =
        cluster.awaitStatus("elsewhere", "virtualMachineImportInvalid", true);
    assertThat(condition(invalid.getStatus().importConditions, "VMMigrationFailed").message)
        .startsWith(
            "spec.sourceCluster.namespace: VmwareSource other-team/vcsim is in another namespace")
        .contains("allowCrossNamespaceSources");

    // an OvaSource whose host does not resolve says so instead of staying silent
    OvaSource ova = new OvaSource();
    ova.setMetadata(new ObjectMetaBuilder().withName("appliance").withNamespace(NS).build());
    OvaSourceSpec spec = new OvaSourceSpec();
    spec.url = "https://downloads.example/appliance.ova";
    ova.setSpec(spec);
    client.resources(OvaSource.class).inNamespace(NS).resource(ova).create();
    OvaSource notReady =
        cluster.awaitSource(
            OvaSource.class, "appliance", s -> "clusterNotReady".equals(statusOf(s)));
    assertThat(condition(notReady.getStatus().conditions, "ClusterError").message)
        .contains("downloads.example", "cannot be reached");
  }

  @Test
  void aFinalStatusTheApiServerRefusesForAWhileDoesNotRunTheImportAgain() throws Exception {
    operator.close();
    operator = cluster.startOperatorWithFewClientRetries();
    cluster.harvester.holdVms();
    applySecret(vcsim.sourceWithCa());
    applySource();
    cluster.apply(web01("refused"));
    cluster.awaitStatus("refused", "virtualMachineCreated");
    // the final status write is refused, and so are its next attempts (the client itself sends
    // each request twice), for several seconds
    server
        .expect()
        .patch()
        .withPath(importPath("refused") + "/status")
        .andReturn(503, "{}")
        .times(16);
    cluster.harvester.releaseVms();
    awaitTrue(
        "the run ended",
        () ->
            cluster.eventReasons("refused").contains("VirtualMachineRunning")
                && operator.runningImports() == 0);
    assertThat(importStatus(imported("refused")))
        .as("the status while the API server refuses the final one")
        .isEqualTo("virtualMachineCreated");

    // meanwhile the import is reconciled again (a resync; here a spec change, at once)
    client
        .resources(VirtualMachineImport.class)
        .inNamespace(NS)
        .withName("refused")
        .edit(
            vmi -> {
              vmi.getSpec().gracefulShutdownTimeoutSeconds = 120L;
              return vmi;
            });

    cluster.awaitStatus("refused", "virtualMachineRunning");
    assertThat(cluster.eventReasons("refused"))
        .as("runs of the import (a second would power web01 off and export it again)")
        .containsOnlyOnce("Started");
    assertThat(operator.runningImports()).isZero();
  }

  @Test
  void aCheckpointWriteTheApiServerRefusesForAWhileDoesNotFailTheImport() throws Exception {
    operator.close();
    operator = cluster.startOperatorWithFewClientRetries();
    applySecret(vcsim.sourceWithCa());
    // without its source the import waits, its finalizer in place: the next patch of the object
    // is the first checkpoint
    cluster.apply(web01("throttled"));
    cluster.await("throttled", vmi -> "SourceNotFound".equals(progressReason(vmi)));
    assertThat(imported("throttled").getMetadata().getFinalizers()).isNotEmpty();
    // refused twice by the client's two requests each: the store's third attempt is accepted
    server.expect().patch().withPath(importPath("throttled")).andReturn(429, "{}").times(4);
    applySource();

    cluster.awaitStatus("throttled", "virtualMachineRunning");
    assertThat(cluster.eventReasons("throttled")).containsOnlyOnce("Started");
  }

  @Test
  void aCheckpointAnnotationThatIsNotJsonHoldsTheImportUntilItIsFixed() throws Exception {
    // with watchNamespaces, as the chart's Roles allow: the whole import, nothing cluster-wide
    operator.close();
    operator = cluster.startOperatorWatchingItsNamespace();
    applySecret(vcsim.sourceWithCa());
    applySource();
    VirtualMachineImport damaged = web01("damaged");
    damaged
        .getMetadata()
        .setAnnotations(Map.of("vmimport.io/checkpoint", "{\"disks\":[{\"diskKey\":"));
    cluster.apply(damaged);

    VirtualMachineImport held =
        cluster.await("damaged", vmi -> "InvalidCheckpoint".equals(progressReason(vmi)));
    assertThat(condition(held.getStatus().importConditions, "Progress").message)
        .contains("vmimport.io/checkpoint")
        .contains("line 1, column")
        .contains("remove it");
    assertThat(importStatus(held)).isEmpty();
    assertThat(
            client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "damaged".equals(e.getInvolvedObject().getName()))
                .filter(e -> "InvalidCheckpoint".equals(e.getReason()))
                .map(io.fabric8.kubernetes.api.model.Event::getType))
        .containsExactly("Warning");
    assertThat(cluster.eventReasons("damaged")).doesNotContain("Started");

    // the user removes the annotation: the import runs
    client
        .resources(VirtualMachineImport.class)
        .inNamespace(NS)
        .withName("damaged")
        .edit(
            vmi -> {
              Map<String, String> annotations =
                  new java.util.HashMap<>(vmi.getMetadata().getAnnotations());
              annotations.remove("vmimport.io/checkpoint");
              vmi.getMetadata().setAnnotations(annotations);
              return vmi;
            });
    cluster.awaitStatus("damaged", "virtualMachineRunning");
  }

  @Test
  void anImportWhoseCheckpointIsDamagedMidWayWaitsAndCanStillBeDeleted() throws Exception {
    // an import an earlier process left at disksExported, whose checkpoint was damaged since
    operator.close();
    applySecret(vcsim.sourceWithCa());
    applySource();
    VirtualMachineImport damaged = web01("damaged-midway");
    damaged.getMetadata().setAnnotations(Map.of("vmimport.io/checkpoint", "not json"));
    cluster.apply(damaged);
    client
        .resources(VirtualMachineImport.class)
        .inNamespace(NS)
        .withName("damaged-midway")
        .editStatus(
            vmi -> {
              vmi.setStatus(new io.vmimport.operator.crd.VirtualMachineImportStatus());
              vmi.getStatus().importStatus = "disksExported";
              return vmi;
            });
    operator = cluster.startOperator(Optional.empty());

    VirtualMachineImport held =
        cluster.await("damaged-midway", vmi -> "InvalidCheckpoint".equals(progressReason(vmi)));
    assertThat(importStatus(held)).as("where the earlier run stopped").isEqualTo("disksExported");
    assertThat(cluster.eventReasons("damaged-midway")).doesNotContain("Started");

    // what the earlier run left on the source is unknown: the delete says so, and is not blocked
    cluster.deleteAndAwaitGone("damaged-midway");
    assertThat(
            client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "damaged-midway".equals(e.getInvolvedObject().getName()))
                .filter(e -> "Warning".equals(e.getType()))
                .map(io.fabric8.kubernetes.api.model.Event::getMessage))
        .anyMatch(m -> m.contains("vmimport.io/checkpoint") && m.contains("check the source"));
  }

  // ------------------------------------------------------------------ helpers

  private static String importPath(String name) {
    return "/apis/migration.harvesterhci.io/v1beta1/namespaces/"
        + NS
        + "/virtualmachineimports/"
        + name;
  }

  private VirtualMachineImport imported(String name) {
    return client.resources(VirtualMachineImport.class).inNamespace(NS).withName(name).get();
  }

  private static String progressReason(VirtualMachineImport vmi) {
    if (vmi.getStatus() == null || vmi.getStatus().importConditions == null) {
      return null;
    }
    return vmi.getStatus().importConditions.stream()
        .filter(c -> "Progress".equals(c.type))
        .map(c -> c.reason)
        .findFirst()
        .orElse(null);
  }

  private static void awaitTrue(String what, java.util.function.BooleanSupplier condition)
      throws Exception {
    Instant deadline = Instant.now().plus(TestCluster.DEADLINE);
    while (!condition.getAsBoolean()) {
      assertThat(Instant.now()).as(what).isBefore(deadline);
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  /** How fast the proxy lets vSphere send while a test wants to catch an export mid-way. */
  private static final long SLOW_SOURCE = 1 << 20;

  /** big01's disks: 1 MiB, then 24 MiB with 12 MiB of random data (12 s through the proxy). */
  static List<Path> bigVmDisks(Path dir) throws Exception {
    Path small = dir.resolve("big01-disk0.raw");
    Path large = dir.resolve("big01-disk1.raw");
    writeRandom(small, 1 << 20, 256 << 10, 11);
    writeRandom(large, 24 << 20, 12 << 20, 12);
    return List.of(small, large);
  }

  /** A disk of {@code size} bytes whose first {@code random} bytes are random, the rest zeros. */
  static void writeRandom(Path file, long size, int random, long seed) throws Exception {
    byte[] data = new byte[random];
    new java.util.Random(seed).nextBytes(data);
    try (var channel =
        java.nio.channels.FileChannel.open(
            file,
            java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE)) {
      channel.write(java.nio.ByteBuffer.wrap(data));
      channel.truncate(size);
      channel.write(java.nio.ByteBuffer.wrap(new byte[1]), size - 1);
    }
  }

  static VirtualMachineImport big01(String name) {
    VirtualMachineImport vmi = TestCluster.importOf(name, "VmwareSource", "vcsim", "big01", null);
    vmi.getSpec().folder = "Migrate";
    return vmi;
  }

  /** Disk 0 exported, disk 1 in the middle of its export, with bytes already transferred. */
  static boolean firstDiskDoneSecondExporting(VirtualMachineImport vmi) {
    if (vmi.getStatus() == null || vmi.getStatus().diskImportStatus == null) {
      return false;
    }
    long exporting = 0;
    long pastExport = 0;
    for (DiskInfo disk : vmi.getStatus().diskImportStatus) {
      Condition progress =
          disk.diskConditions == null ? null : condition(disk.diskConditions, "Progress");
      if (progress == null) {
        continue;
      }
      if ("Exporting".equals(progress.reason)
          && progress.message != null
          && !progress.message.startsWith("exporting: 0 B")) {
        exporting++;
      } else if (List.of("Publishing", "Done").contains(progress.reason)) {
        pastExport++;
      }
    }
    return exporting == 1 && pastExport == 1;
  }

  /** The value of {@code vmimport_transferred_bytes_total} in a Prometheus text page. */
  private static long transferredBytes(String metrics) {
    return metrics
        .lines()
        .filter(l -> l.startsWith("vmimport_transferred_bytes_total "))
        .map(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no vmimport_transferred_bytes_total in " + metrics));
  }

  /** The source "vcsim", reached through a proxy that lets vSphere send {@link #SLOW_SOURCE}. */
  private ThrottlingProxy slowSource() throws Exception {
    ThrottlingProxy proxy = ThrottlingProxy.to(vcsimPort());
    client
        .resources(VmwareSource.class)
        .inNamespace(NS)
        .resource(vmwareSource("vcsim", proxy))
        .create();
    proxy.limit(SLOW_SOURCE);
    return proxy;
  }

  private int vcsimPort() {
    return URI.create(vcsim.endpoint()).getPort();
  }

  /** The HTTP status of a GET of an NFC URL (token-based: no session needed), trusting the CA. */
  private int nfcStatus(String url) throws Exception {
    java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (var pem = Files.newInputStream(dir.resolve("vcsim/ca/ca.crt"))) {
      trust.setCertificateEntry(
          "ca",
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(pem));
    }
    javax.net.ssl.TrustManagerFactory factory =
        javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    try (var download =
        io.vmimport.provider.support.HttpDownload.get(
            URI.create(url),
            context,
            Map.of(),
            java.time.Duration.ofSeconds(5),
            java.time.Duration.ofSeconds(10))) {
      return download.status();
    }
  }

  private static VirtualMachineImport web01(String name) {
    VirtualMachineImport vmi =
        TestCluster.importOf(name, "VmwareSource", "vcsim", "web01", "PG-Prod");
    vmi.getSpec().folder = "Migrate";
    return vmi;
  }

  private void applySecret(SourceSpec source) {
    cluster.applySecret("vcsim-creds", source.credentials().data());
  }

  private void applySource() {
    client.resources(VmwareSource.class).inNamespace(NS).resource(vmwareSource("vcsim")).create();
  }

  private VmwareSource vmwareSource(String name) {
    return vmwareSource(name, vcsim.sourceWithCa());
  }

  /** A source reaching vcsim through the proxy. */
  private VmwareSource vmwareSource(String name, ThrottlingProxy proxy) {
    return vmwareSource(name, vcsim.sourceWithCaAt("https://127.0.0.1:" + proxy.port() + "/sdk"));
  }

  private VmwareSource vmwareSource(String name, SourceSpec spec) {
    VmwareSource source = new VmwareSource();
    source.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    VmwareSourceSpec s = new VmwareSourceSpec();
    s.endpoint = spec.settings().get("endpoint");
    s.dc = spec.settings().get("dc");
    s.credentials = new CredentialsReference();
    s.credentials.name = "vcsim-creds";
    s.credentials.namespace = NS;
    source.setSpec(s);
    return source;
  }

  private void awaitLeaseHolder(String identity) throws Exception {
    Instant deadline = Instant.now().plus(TestCluster.DEADLINE);
    String holder = null;
    while (Instant.now().isBefore(deadline)) {
      var lease = client.leases().inNamespace(NS).withName(OperatorConfig.LEASE_NAME).get();
      holder = lease == null ? null : lease.getSpec().getHolderIdentity();
      if (identity.equals(holder)) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(200);
    }
    throw new AssertionError("the Lease is held by " + holder + ", not " + identity);
  }
}
