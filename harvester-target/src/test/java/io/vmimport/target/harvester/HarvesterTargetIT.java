package io.vmimport.target.harvester;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetStatus;
import io.vmimport.api.target.TargetVm;
import io.vmimport.target.harvester.internal.KubeCalls;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HarvesterTarget against fabric8's mock API server in CRUD mode holding the real CRDs, with a fake
 * of Harvester's image controller downloading from the real image server. The test plays core:
 * write the disk, publish, poll, create the VM, poll.
 */
@EnableKubernetesMockClient(crud = true)
class HarvesterTargetIT {
  private static final String NS = "vms";
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  KubernetesClient client;

  @TempDir Path scratch;
  private ImageServer imageServer;
  private HarvesterTarget target;
  private FakeImageController images;
  private final Map<String, Path> diskFiles = new ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void setUp() {
    Crds.createIn(client, Crds.VIRTUAL_MACHINES, Crds.IMAGES, Crds.NADS, Crds.IMPORTS);
    client
        .storage()
        .v1()
        .storageClasses()
        .resource(
            new StorageClassBuilder()
                .withNewMetadata()
                .withName("harvester-longhorn")
                .endMetadata()
                .withProvisioner("driver.longhorn.io")
                .withParameters(Map.of("numberOfReplicas", "3"))
                .build())
        .create();
    client
        .storage()
        .v1()
        .storageClasses()
        .resource(
            new StorageClassBuilder()
                .withNewMetadata()
                .withName("lvm")
                .endMetadata()
                .withProvisioner("lvm.driver.harvesterhci.io")
                .build())
        .create();
    createNad(NS, "vlan10");
    createNad("infra", "storage-net");
    imageServer = ImageServer.start(ImageServerConfig.loopback());
    target = new HarvesterTarget(client, imageServer, scratch);
    images = new FakeImageController(client, NS, diskFiles);
  }

  @AfterEach
  void tearDown() {
    if (images != null) {
      images.close();
    }
    if (imageServer != null) {
      imageServer.close();
    }
  }

  private void createNad(String namespace, String name) {
    GenericKubernetesResource nad =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("k8s.cni.cncf.io/v1")
            .withKind("NetworkAttachmentDefinition")
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .endMetadata()
            .withAdditionalProperties(
                Map.of(
                    "spec",
                    Map.of(
                        "config",
                        "{\"cniVersion\":\"0.3.1\",\"type\":\"bridge\",\"bridge\":\"mgmt-br\"}")))
            .build();
    Crds.assertValid(Crds.NADS, nad);
    client.genericKubernetesResources(KubeCalls.NADS).inNamespace(namespace).resource(nad).create();
  }

  private String createImport(String name) {
    GenericKubernetesResource imported =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("migration.harvesterhci.io/v1beta1")
            .withKind("VirtualMachineImport")
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .endMetadata()
            .withAdditionalProperties(Map.of("spec", Map.of("virtualMachineName", "web")))
            .build();
    return client
        .genericKubernetesResources(KubeCalls.IMPORTS)
        .inNamespace(NS)
        .resource(imported)
        .create()
        .getMetadata()
        .getUid();
  }

  /** What core does before publishing: writes the converted disk where the target asks. */
  private Path writeDisk(TargetVm vm, TargetDisk disk, long seed) throws Exception {
    Path file = target.diskPath(vm.importRef(), disk);
    Files.createDirectories(file.getParent());
    ImageServerIT.sparseDisk(file, disk.source().capacityBytes(), seed);
    diskFiles.put(disk.name(), file);
    return file;
  }

  private List<PublishedImage> publishAll(TargetVm vm) throws Exception {
    List<PublishedImage> published = new ArrayList<>();
    for (TargetDisk disk : vm.disks()) {
      published.add(target.publish(vm, disk, writeDisk(vm, disk, disk.bootOrder())));
    }
    return published;
  }

  private TargetStatus awaitImage(TargetVm vm, PublishedImage image) throws Exception {
    Instant deadline = Instant.now().plus(DEADLINE);
    while (true) {
      images.assertHealthy();
      TargetStatus status = target.imageStatus(vm, image);
      if (status.state() != TargetStatus.State.PENDING) {
        return status;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("image " + image.imageName() + " still " + status.message());
      }
      Thread.sleep(50);
    }
  }

  private List<GenericKubernetesResource> imagesOf(String disk) {
    return client
        .genericKubernetesResources(KubeCalls.IMAGES)
        .inNamespace(NS)
        .withLabel("vmimport.io/disk", disk)
        .list()
        .getItems();
  }

  private int statusOf(String url) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(url))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private void markRunning(TargetVm vm) {
    GenericKubernetesResource machine =
        client.genericKubernetesResources(KubeCalls.VMS).inNamespace(NS).withName(vm.name()).get();
    Map<String, Object> props = new HashMap<>(machine.getAdditionalProperties());
    props.put("status", Map.of("printableStatus", "Running", "ready", true, "created", true));
    machine.setAdditionalProperties(props);
    client
        .genericKubernetesResources(KubeCalls.VMS)
        .inNamespace(NS)
        .resource(machine)
        .updateStatus();
  }

  @Test
  void importsAVmEndToEndThroughTheImageServer() throws Exception {
    String importUid = createImport("import-web");
    TargetVm vm =
        TestVms.webServer(
            new ImportRef(NS, "import-web", importUid),
            "web-server-01-production-frankfurt",
            Optional.of("harvester-longhorn"));

    assertThat(target.preflight(vm)).isEmpty();
    List<PublishedImage> published = publishAll(vm);
    PublishedImage again = target.publish(vm, vm.disks().get(0), diskFiles.get("disk-0"));

    assertThat(again).isEqualTo(published.get(0));
    for (TargetDisk disk : vm.disks()) {
      assertThat(imagesOf(disk.name())).hasSize(1);
    }
    for (PublishedImage image : published) {
      assertThat(awaitImage(vm, image)).isEqualTo(TargetStatus.ready());
      assertThat(statusOf(image.location())).as("served after Harvester has it").isEqualTo(404);
    }
    for (GenericKubernetesResource image :
        client.genericKubernetesResources(KubeCalls.IMAGES).inNamespace(NS).list().getItems()) {
      Crds.assertValid(Crds.IMAGES, image);
      assertThat(image.getMetadata().getOwnerReferences())
          .singleElement()
          .satisfies(o -> assertThat(o.getUid()).isEqualTo(importUid));
      assertThat(image.getMetadata().getAnnotations())
          .containsEntry("harvesterhci.io/storageClassName", "harvester-longhorn");
    }

    Path scratchOfImport = diskFiles.get("disk-0").getParent();
    assertThat(scratchOfImport).as("kept until Harvester has every image").isDirectory();
    String location = target.createVm(vm, published);
    target.createVm(vm, published);

    assertThat(location).isEqualTo(NS + "/" + vm.name());
    assertThat(scratchOfImport)
        .as("the converted disks leave scratch once Harvester has imported them")
        .doesNotExist();
    List<GenericKubernetesResource> machines =
        client.genericKubernetesResources(KubeCalls.VMS).inNamespace(NS).list().getItems();
    assertThat(machines).hasSize(1);
    Crds.assertValid(Crds.VIRTUAL_MACHINES, machines.get(0));
    List<PersistentVolumeClaim> claims =
        client.persistentVolumeClaims().inNamespace(NS).list().getItems();
    assertThat(claims)
        .extracting(c -> c.getMetadata().getName())
        .containsExactlyInAnyOrderElementsOf(
            published.stream().map(PublishedImage::imageName).toList());
    for (PersistentVolumeClaim claim : claims) {
      assertThat(claim.getMetadata().getAnnotations())
          .containsEntry("harvesterhci.io/imageId", NS + "/" + claim.getMetadata().getName());
      assertThat(claim.getSpec().getStorageClassName())
          .isEqualTo("longhorn-" + claim.getMetadata().getName());
    }

    assertThat(target.vmStatus(vm).state()).isEqualTo(TargetStatus.State.PENDING);
    markRunning(vm);
    assertThat(target.vmStatus(vm)).isEqualTo(TargetStatus.ready());

    for (GenericKubernetesResource image :
        client.genericKubernetesResources(KubeCalls.IMAGES).inNamespace(NS).list().getItems()) {
      assertThat(image.getMetadata().getOwnerReferences())
          .as("deleting the import must keep the disks of a running VM")
          .isNullOrEmpty();
    }
    target.discard(vm.importRef());
    assertThat(client.genericKubernetesResources(KubeCalls.VMS).inNamespace(NS).list().getItems())
        .hasSize(1);
    assertThat(
            client.genericKubernetesResources(KubeCalls.IMAGES).inNamespace(NS).list().getItems())
        .hasSize(3);
  }

  @Test
  void aFailedImageIsReplacedByANewAttemptOnTheCdiBackend() throws Exception {
    TargetVm vm = TestVms.webServer(NS, "import-cdi", Optional.of("lvm"));
    images.failFirstAttemptOf("disk-1");
    List<PublishedImage> published = publishAll(vm);

    TargetStatus failed = awaitImage(vm, published.get(1));
    assertThat(failed.state()).isEqualTo(TargetStatus.State.FAILED);
    assertThat(failed.message()).contains(published.get(1).imageName()).contains("unexpected EOF");
    assertThat(statusOf(published.get(1).location())).isEqualTo(404);

    PublishedImage retry = target.publish(vm, vm.disks().get(1), diskFiles.get("disk-1"));
    assertThat(retry.imageName()).endsWith("-disk-1-2");
    assertThat(imagesOf("disk-1"))
        .extracting(i -> i.getMetadata().getName())
        .containsExactly(retry.imageName());
    assertThat(target.publish(vm, vm.disks().get(1), diskFiles.get("disk-1"))).isEqualTo(retry);
    published.set(1, retry);
    for (PublishedImage image : published) {
      assertThat(awaitImage(vm, image)).isEqualTo(TargetStatus.ready());
    }
    GenericKubernetesResource image = imagesOf("disk-1").get(0);
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) image.getAdditionalProperties().get("spec");
    assertThat(spec).containsEntry("backend", "cdi").containsEntry("targetStorageClassName", "lvm");
    assertThat(image.getMetadata().getOwnerReferences())
        .as("no import object, no owner")
        .isNullOrEmpty();

    target.createVm(vm, published);

    assertThat(client.persistentVolumeClaims().inNamespace(NS).list().getItems())
        .as("the CDI image's own volume is the disk")
        .isEmpty();
    GenericKubernetesResource machine =
        client.genericKubernetesResources(KubeCalls.VMS).inNamespace(NS).withName(vm.name()).get();
    Crds.assertValid(Crds.VIRTUAL_MACHINES, machine);
    assertThat(client.getKubernetesSerialization().asJson(machine)).contains(retry.imageName());
  }

  @Test
  void afterARestartAtTheSameAddressAnImageStillDownloadingKeepsItsUrl() throws Exception {
    TargetVm vm = TestVms.webServer(NS, "import-same-address", Optional.of("lvm"));
    images.hold("disk-0");
    TargetDisk disk = vm.disks().get(0);
    PublishedImage before = target.publish(vm, disk, writeDisk(vm, disk, 11));
    assertThat(target.imageStatus(vm, before).state()).isEqualTo(TargetStatus.State.PENDING);

    // the process restarts behind the same address (in a cluster: the same Service)
    int port = imageServer.port();
    imageServer.close();
    imageServer =
        ImageServer.start(
            new ImageServerConfig(
                new InetSocketAddress("127.0.0.1", port), Optional.empty(), Optional.empty()));
    target = new HarvesterTarget(client, imageServer, scratch);
    PublishedImage after = target.publish(vm, disk, diskFiles.get("disk-0"));
    images.release("disk-0");

    assertThat(after).as("the same image, the same URL").isEqualTo(before);
    assertThat(imagesOf("disk-0")).hasSize(1);
    assertThat(awaitImage(vm, after)).isEqualTo(TargetStatus.ready());
  }

  @Test
  void afterARestartAnImageStillDownloadingFromALostTokenIsReplaced() throws Exception {
    TargetVm vm = TestVms.webServer(NS, "import-restart", Optional.of("lvm"));
    images.hold("disk-0");
    TargetDisk disk = vm.disks().get(0);
    PublishedImage before = target.publish(vm, disk, writeDisk(vm, disk, 11));
    assertThat(target.imageStatus(vm, before).state()).isEqualTo(TargetStatus.State.PENDING);
    assertThat(target.publish(vm, disk, diskFiles.get("disk-0"))).isEqualTo(before);

    imageServer.close(); // the process restarts: a new image server, no tokens
    imageServer = ImageServer.start(ImageServerConfig.loopback());
    target = new HarvesterTarget(client, imageServer, scratch);
    PublishedImage after = target.publish(vm, disk, diskFiles.get("disk-0"));
    images.release("disk-0");

    assertThat(after.imageName()).endsWith("-disk-0-2");
    assertThat(imagesOf("disk-0"))
        .extracting(i -> i.getMetadata().getName())
        .containsExactly(after.imageName());
    assertThat(awaitImage(vm, after)).isEqualTo(TargetStatus.ready());
  }

  @Test
  void aDiskServedByAWorkerKeepsItsImageWhileItsUrlHoldsAndGetsANewOneFromAnotherPod()
      throws Exception {
    TargetVm vm = TestVms.webServer(NS, "import-worker", Optional.of("lvm"));
    images.hold("disk-0");
    TargetDisk disk = vm.disks().get(0);
    Path file = writeDisk(vm, disk, 11);
    byte[] key = new byte[32];
    new java.util.Random(3).nextBytes(key);
    String token = ImageServer.derivedToken(key, "disk/" + file.getFileName());
    try (ImageServer worker = ImageServer.start(ImageServerConfig.loopback())) {
      URI url = worker.registerAs(token, file).toURI();
      PublishedImage before = target.publish(vm, disk, url);
      assertThat(before.location()).isEqualTo(url.toString());
      assertThat(target.imageStatus(vm, before).state()).isEqualTo(TargetStatus.State.PENDING);
      assertThat(target.publish(vm, disk, url))
          .as("published again while the worker serves the same URL")
          .isEqualTo(before);
    }
    // the worker's pod is replaced: another address, the same token
    try (ImageServer worker = ImageServer.start(ImageServerConfig.loopback())) {
      URI url = worker.registerAs(token, file).toURI();
      PublishedImage after = target.publish(vm, disk, url);
      images.release("disk-0");

      assertThat(after.imageName()).endsWith("-disk-0-2");
      assertThat(imagesOf("disk-0"))
          .extracting(i -> i.getMetadata().getName())
          .containsExactly(after.imageName());
      assertThat(awaitImage(vm, after)).isEqualTo(TargetStatus.ready());
    }
  }

  @Test
  void preflightNamesTheMissingNetworkAndStorageClass() {
    TargetVm vm = TestVms.webServer("other", "import-x", Optional.of("fast-nvme"));

    List<ValidationIssue> issues = target.preflight(vm);

    assertThat(issues)
        .extracting(ValidationIssue::toString)
        .containsExactlyInAnyOrder(
            "spec.networkMapping: network attachment definition other/vlan10 (destinationNetwork"
                + " of source network VM Network) not found",
            "spec.storageClass: storage class 'fast-nvme' not found");
    assertThat(issues).allSatisfy(i -> assertThat(i.code()).isEqualTo(ErrorCode.NOT_FOUND));
  }

  @Test
  void preflightRejectsTwoNicsOnThePodNetwork() {
    TargetVm base = TestVms.webServer(NS, "import-pod", Optional.empty());
    List<io.vmimport.api.target.TargetNic> nics = new ArrayList<>(base.nics());
    nics.set(
        0,
        new io.vmimport.api.target.TargetNic(
            "nic-0",
            base.nics().get(0).source(),
            base.nics().get(0).macAddress(),
            base.nics().get(0).model(),
            io.vmimport.api.target.NetworkAttachment.POD));

    List<ValidationIssue> issues =
        target.preflight(VirtualMachineRendererTest.withNics(base, nics));

    assertThat(issues)
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.code()).isEqualTo(ErrorCode.INVALID_SPEC);
              assertThat(i.message()).contains("nic-0 (VM Network)", "nic-2 (Unmapped Backup LAN)");
            });
  }

  @Test
  void discardRemovesWhatAnUnfinishedImportCreated() throws Exception {
    TargetVm vm = TestVms.webServer(NS, "import-cancel", Optional.of("harvester-longhorn"));
    List<PublishedImage> published = publishAll(vm);
    for (PublishedImage image : published.subList(0, 2)) {
      assertThat(awaitImage(vm, image)).isEqualTo(TargetStatus.ready());
    }
    Path scratchOfImport = diskFiles.get("disk-0").getParent();

    target.discard(vm.importRef());

    assertThat(
            client.genericKubernetesResources(KubeCalls.IMAGES).inNamespace(NS).list().getItems())
        .isEmpty();
    assertThat(client.genericKubernetesResources(KubeCalls.VMS).inNamespace(NS).list().getItems())
        .isEmpty();
    assertThat(client.persistentVolumeClaims().inNamespace(NS).list().getItems()).isEmpty();
    assertThat(statusOf(published.get(2).location())).isEqualTo(404);
    assertThat(scratchOfImport).doesNotExist();
  }

  @Test
  void aForeignVmWithTheSameNameIsNotTakenOver() throws Exception {
    TargetVm vm = TestVms.webServer(NS, "import-clash", Optional.of("lvm"));
    client
        .genericKubernetesResources(KubeCalls.VMS)
        .inNamespace(NS)
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("kubevirt.io/v1")
                .withKind("VirtualMachine")
                .withNewMetadata()
                .withName(vm.name())
                .withNamespace(NS)
                .endMetadata()
                .withAdditionalProperties(
                    Map.of(
                        "spec",
                        Map.of(
                            "template",
                            Map.of("spec", Map.of("domain", Map.of("devices", Map.of()))))))
                .build())
        .create();
    List<PublishedImage> published = publishAll(vm);
    for (PublishedImage image : published) {
      assertThat(awaitImage(vm, image)).isEqualTo(TargetStatus.ready());
    }

    assertThatThrownBy(() -> target.createVm(vm, published))
        .isInstanceOfSatisfying(
            VmImportException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT))
        .hasMessageContaining("VirtualMachine " + NS + "/" + vm.name())
        .hasMessageContaining("was not made by import vms/import-clash");
    target.discard(vm.importRef());
    GenericKubernetesResource foreign =
        client.genericKubernetesResources(KubeCalls.VMS).inNamespace(NS).withName(vm.name()).get();
    assertThat(foreign).as("never deleted").isNotNull();
    assertThat(foreign.getMetadata().getLabels()).as("never labelled as ours").isNullOrEmpty();
  }

  @Test
  void preflightNamesAVmOfTheSameNameThatTheImportDidNotMake() {
    TargetVm vm = TestVms.webServer(NS, "import-taken", Optional.empty());
    createForeignVm(vm.name(), Map.of("vmimport.io/import", "import-taken"));

    assertThat(target.preflight(vm))
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.code()).isEqualTo(ErrorCode.CONFLICT);
              assertThat(i.message())
                  .contains("VirtualMachine " + NS + "/" + vm.name())
                  .contains("delete that VirtualMachine or import into another namespace");
            });
  }

  /**
   * The issue's report: import {@code imp} brings VM web to running and is deleted; {@code imp} is
   * created again (a new uid) for db-server. db-server used to be built on web's images and live
   * volumes, found by the import's name.
   */
  @Test
  void anImportCreatedAgainUnderAFinishedImportsNameMakesItsOwnImagesVolumesAndVm()
      throws Exception {
    TargetVm web =
        TestVms.webServer(recreateImport("imp"), "web", Optional.of("harvester-longhorn"));
    importToRunning(web);
    target.discard(web.importRef()); // what the operator does when imp is deleted
    Map<String, String> webObjects = objectsInNamespace();
    TargetVm db =
        TestVms.webServer(recreateImport("imp"), "db-server", Optional.of("harvester-longhorn"));
    assertThat(db.importRef().uid()).isNotEqualTo(web.importRef().uid());

    assertThat(target.preflight(db)).isEmpty();
    List<PublishedImage> published = new ArrayList<>();
    for (TargetDisk disk : db.disks()) {
      published.add(target.publish(db, disk, writeDisk(db, disk, 100 + disk.bootOrder())));
    }
    assertThat(published)
        .extracting(PublishedImage::imageName)
        .as("db-server's own images, not web's")
        .allMatch(name -> name.startsWith("db-server-"));
    assertThat(published)
        .extracting(i -> "VirtualMachineImage/" + i.imageName())
        .doesNotContainAnyElementsOf(webObjects.keySet());
    for (PublishedImage image : published) {
      assertThat(awaitImage(db, image)).isEqualTo(TargetStatus.ready());
    }
    target.createVm(db, published);

    GenericKubernetesResource machine =
        client
            .genericKubernetesResources(KubeCalls.VMS)
            .inNamespace(NS)
            .withName("db-server")
            .get();
    assertThat(claimsOf(machine))
        .containsExactlyElementsOf(published.stream().map(PublishedImage::imageName).toList());
    assertThat(objectsInNamespace()).as("web's objects untouched").containsAllEntriesOf(webObjects);

    // the second import is cancelled: it removes what it made, and nothing of web's
    target.discard(db.importRef());
    assertThat(objectsInNamespace()).isEqualTo(webObjects);
  }

  /** The real collision: the import made again for a VM of the same target name. */
  @Test
  void anImportCreatedAgainForTheSameVmNameReportsTheVmItDidNotMakeAndTakesNothing()
      throws Exception {
    TargetVm first =
        TestVms.webServer(recreateImport("imp"), "web", Optional.of("harvester-longhorn"));
    importToRunning(first);
    target.discard(first.importRef());
    Map<String, String> firstObjects = objectsInNamespace();
    List<String> firstClaims =
        claimsOf(
            client.genericKubernetesResources(KubeCalls.VMS).inNamespace(NS).withName("web").get());
    TargetVm second =
        TestVms.webServer(recreateImport("imp"), "web", Optional.of("harvester-longhorn"));

    assertThat(target.preflight(second))
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.code()).isEqualTo(ErrorCode.CONFLICT);
              assertThat(i.message()).contains("VirtualMachine " + NS + "/web").contains("vms/imp");
            });
    // core stops at preflight; a caller that went on anyway gets its own images and a conflict
    List<PublishedImage> published = publishAll(second);
    assertThat(published)
        .extracting(i -> "VirtualMachineImage/" + i.imageName())
        .doesNotContainAnyElementsOf(firstObjects.keySet());
    for (PublishedImage image : published) {
      assertThat(awaitImage(second, image)).isEqualTo(TargetStatus.ready());
    }
    assertThatThrownBy(() -> target.createVm(second, published))
        .isInstanceOfSatisfying(
            VmImportException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
              assertThat(e.retryable()).isFalse();
            })
        .hasMessageContaining("VirtualMachine " + NS + "/web");
    assertThat(
            claimsOf(
                client
                    .genericKubernetesResources(KubeCalls.VMS)
                    .inNamespace(NS)
                    .withName("web")
                    .get()))
        .as("the first import's VM keeps its volumes")
        .isEqualTo(firstClaims);

    target.discard(second.importRef());
    assertThat(objectsInNamespace()).isEqualTo(firstObjects);
  }

  /**
   * Images and their volumes are named by the importer ({@code <vm>-<disk>-<attempt>}): a name held
   * by something this import did not make (here objects of an earlier version, labelled by name
   * only) is passed over, neither adopted nor deleted.
   */
  @Test
  void anImageNameHeldByAnObjectTheImportDidNotMakeIsPassedOver() throws Exception {
    TargetVm vm = TestVms.webServer(NS, "import-old", Optional.of("harvester-longhorn"));
    String taken = vm.name() + "-disk-0-1";
    Map<String, String> oldLabels = Map.of("vmimport.io/import", "import-old");
    client
        .genericKubernetesResources(KubeCalls.IMAGES)
        .inNamespace(NS)
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("harvesterhci.io/v1beta1")
                .withKind("VirtualMachineImage")
                .withNewMetadata()
                .withName(taken)
                .withNamespace(NS)
                .withLabels(
                    Map.of("vmimport.io/import", "import-old", "vmimport.io/disk", "disk-0"))
                .endMetadata()
                .withAdditionalProperties(
                    Map.of(
                        "spec",
                        Map.of(
                            "sourceType", "download",
                            "url", "http://192.0.2.1/old/disk-0.qcow2",
                            "displayName", "old"),
                        "status",
                        Map.of(
                            "conditions", List.of(Map.of("type", "Imported", "status", "True")))))
                .build())
        .create();
    client
        .persistentVolumeClaims()
        .inNamespace(NS)
        .resource(
            new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(vm.name() + "-disk-1-1")
                .withNamespace(NS)
                .withLabels(oldLabels)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteMany")
                .endSpec()
                .build())
        .create();
    Map<String, String> before = objectsInNamespace();

    List<PublishedImage> published = publishAll(vm);

    assertThat(published)
        .extracting(PublishedImage::imageName)
        .containsExactly(vm.name() + "-disk-0-2", vm.name() + "-disk-1-2", vm.name() + "-disk-2-1");
    for (PublishedImage image : published) {
      assertThat(awaitImage(vm, image)).isEqualTo(TargetStatus.ready());
    }
    assertThat(target.publish(vm, vm.disks().get(0), diskFiles.get("disk-0")))
        .as("found again by its uid")
        .isEqualTo(published.get(0));
    target.createVm(vm, published);
    assertThat(
            claimsOf(
                client
                    .genericKubernetesResources(KubeCalls.VMS)
                    .inNamespace(NS)
                    .withName(vm.name())
                    .get()))
        .containsExactlyElementsOf(published.stream().map(PublishedImage::imageName).toList());

    target.discard(vm.importRef());
    assertThat(objectsInNamespace()).isEqualTo(before);
  }

  /**
   * The operator discards an import when it is deleted, in any phase (scratch may be left in any):
   * the disks of a finished import stay even when the user has deleted its VM first.
   */
  @Test
  void discardKeepsTheDisksOfAFinishedImportAlsoAfterItsVmWasDeleted() throws Exception {
    TargetVm vm = TestVms.webServer(NS, "import-done", Optional.of("harvester-longhorn"));
    importToRunning(vm);
    client.genericKubernetesResources(KubeCalls.VMS).inNamespace(NS).withName(vm.name()).delete();
    Map<String, String> disks = objectsInNamespace();
    assertThat(disks).containsKey("PersistentVolumeClaim/" + vm.name() + "-disk-0-1");

    target.discard(vm.importRef());

    assertThat(objectsInNamespace()).isEqualTo(disks);
  }

  /** Deletes the VirtualMachineImport of that name if any and creates it: a new uid. */
  private ImportRef recreateImport(String name) throws InterruptedException {
    client.genericKubernetesResources(KubeCalls.IMPORTS).inNamespace(NS).withName(name).delete();
    await(
        "the import " + name + " is gone",
        () ->
            client
                    .genericKubernetesResources(KubeCalls.IMPORTS)
                    .inNamespace(NS)
                    .withName(name)
                    .get()
                == null);
    return new ImportRef(NS, name, createImport(name));
  }

  /** Plays core from the converted disks to the running VM. */
  private void importToRunning(TargetVm vm) throws Exception {
    assertThat(target.preflight(vm)).isEmpty();
    List<PublishedImage> published = publishAll(vm);
    for (PublishedImage image : published) {
      assertThat(awaitImage(vm, image)).isEqualTo(TargetStatus.ready());
    }
    target.createVm(vm, published);
    markRunning(vm);
    assertThat(target.vmStatus(vm)).isEqualTo(TargetStatus.ready());
  }

  /** Images, PVCs and VMs of the namespace: "kind/name" to uid. */
  private Map<String, String> objectsInNamespace() {
    Map<String, String> objects = new java.util.TreeMap<>();
    for (var context : List.of(KubeCalls.IMAGES, KubeCalls.VMS)) {
      for (GenericKubernetesResource object :
          client.genericKubernetesResources(context).inNamespace(NS).list().getItems()) {
        objects.put(
            context.getKind() + "/" + object.getMetadata().getName(),
            object.getMetadata().getUid());
      }
    }
    for (PersistentVolumeClaim claim :
        client.persistentVolumeClaims().inNamespace(NS).list().getItems()) {
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

  private static void await(String what, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(DEADLINE);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("not within " + DEADLINE + ": " + what);
      }
      Thread.sleep(50);
    }
  }

  private void createForeignVm(String name, Map<String, String> labels) {
    client
        .genericKubernetesResources(KubeCalls.VMS)
        .inNamespace(NS)
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("kubevirt.io/v1")
                .withKind("VirtualMachine")
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .withLabels(labels)
                .endMetadata()
                .withAdditionalProperties(
                    Map.of(
                        "spec",
                        Map.of(
                            "template",
                            Map.of("spec", Map.of("domain", Map.of("devices", Map.of()))))))
                .build())
        .create();
  }
}
