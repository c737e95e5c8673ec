package io.vmimport.provider.openstack;

import static io.vmimport.provider.openstack.LocalOpenstackCloud.openstack;
import static io.vmimport.provider.openstack.LocalOpenstackCloud.temporaryArtifacts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.Preparation;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmLocator;
import io.vmimport.tck.CleanupSteps;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The provider against the local OpenStack (test-peer/openstack, servers from its demo step). */
@ExtendWith(LocalOpenstackCloud.class)
class OpenstackCloudIT {
  private static final Duration TIMEOUT = Duration.ofMinutes(4);

  /** Ends exports and releases leftovers step by step, as core does. */
  private static final CleanupSteps CLEANUP = CleanupSteps.within(TIMEOUT);

  private static final ArtifactOwner OWNER =
      new ArtifactOwner("3b0c2f4e-9a7d-4e55-8c1a-cloud-it-0001", "default/cloud-it");
  private final OpenstackSourceProvider provider = new OpenstackSourceProvider();

  @Test
  void adminSourceIsReadyAndListsTheDemoServers() {
    try (SourceSession session = provider.open(LocalOpenstackCloud.admin())) {
      assertThat(session.validator().checkSource()).noneMatch(ValidationIssue::isError);
      assertThat(session.inventory().list()).contains("vm-eph", "vm-bfv");
    }
  }

  @Test
  void wrongPasswordIsAuthenticationFailedWithoutThePassword() {
    Map<String, String> credentials =
        LocalOpenstackCloud.credentials("admin", "wrong-password-42", "admin", "Default");
    VmImportException failure =
        openFails(LocalOpenstackCloud.source(LocalOpenstackCloud.KEYSTONE, credentials));
    assertThat(failure.code()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED);
    assertThat(failure.retryable()).isFalse();
    assertThat(failure.getMessage()).contains("admin").doesNotContain("wrong-password-42");
  }

  @Test
  void unknownProjectIsNotFoundNamingTheProject() {
    Map<String, String> credentials =
        LocalOpenstackCloud.credentials(
            "admin", LocalOpenstackCloud.PASSWORD, "no-such-project", "Default");
    VmImportException failure =
        openFails(LocalOpenstackCloud.source(LocalOpenstackCloud.KEYSTONE, credentials));
    assertThat(failure.code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(failure.getMessage()).contains("no-such-project");
  }

  @Test
  void unknownDomainIsAuthenticationFailedNamingTheDomain() {
    Map<String, String> credentials =
        LocalOpenstackCloud.credentials(
            "importer", LocalOpenstackCloud.PASSWORD, "imports", "no-such-domain");
    VmImportException failure =
        openFails(LocalOpenstackCloud.source(LocalOpenstackCloud.KEYSTONE, credentials));
    assertThat(failure.code()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED);
    assertThat(failure.getMessage()).contains("no-such-domain");
  }

  @Test
  void separateUserAndProjectDomainKeysAndProjectIdAreAccepted() throws IOException {
    Map<String, String> byDomainKeys = new HashMap<>();
    byDomainKeys.put("username", "importer");
    byDomainKeys.put("password", LocalOpenstackCloud.PASSWORD);
    byDomainKeys.put("project_name", "imports");
    byDomainKeys.put("user_domain_name", "acme");
    byDomainKeys.put("project_domain_name", "acme");
    try (SourceSession session =
        provider.open(LocalOpenstackCloud.source(LocalOpenstackCloud.KEYSTONE, byDomainKeys))) {
      assertThat(session.validator().checkSource()).noneMatch(ValidationIssue::isError);
      assertThat(session.inventory().list()).containsExactly("vm-user");
    }

    String projectId =
        openstack("project", "show", "--domain", "acme", "imports", "-f", "value", "-c", "id");
    Map<String, String> byProjectId = new HashMap<>();
    byProjectId.put("username", "importer");
    byProjectId.put("password", LocalOpenstackCloud.PASSWORD);
    byProjectId.put("user_domain_name", "acme");
    byProjectId.put("project_id", projectId);
    try (SourceSession session =
        provider.open(LocalOpenstackCloud.source(LocalOpenstackCloud.KEYSTONE, byProjectId))) {
      assertThat(session.inventory().list()).containsExactly("vm-user");
    }
  }

  @Test
  void unknownRegionIsInvalidSpecListingTheRegions() {
    VmImportException failure =
        openFails(
            LocalOpenstackCloud.source(
                LocalOpenstackCloud.KEYSTONE,
                "RegionTwo",
                LocalOpenstackCloud.credentials(
                    "admin", LocalOpenstackCloud.PASSWORD, "admin", "Default")));
    assertThat(failure.code()).isEqualTo(ErrorCode.INVALID_SPEC);
    assertThat(failure.getMessage()).contains("RegionTwo").contains("RegionOne");
  }

  @Test
  void unreachableEndpointIsSourceUnavailableRetryable() {
    VmImportException failure =
        openFails(
            LocalOpenstackCloud.source(
                "http://127.0.0.1:9/v3",
                LocalOpenstackCloud.credentials(
                    "admin", LocalOpenstackCloud.PASSWORD, "admin", "Default")));
    assertThat(failure.code()).isEqualTo(ErrorCode.SOURCE_UNAVAILABLE);
    assertThat(failure.retryable()).isTrue();
  }

  @Test
  void httpsKeystoneIsTrustedWithTheGeneratedCaAndRefusedWithout() throws IOException {
    Map<String, String> credentials =
        LocalOpenstackCloud.credentials("admin", LocalOpenstackCloud.PASSWORD, "admin", "Default");
    VmImportException refused =
        openFails(LocalOpenstackCloud.source(LocalOpenstackCloud.KEYSTONE_TLS, credentials));
    assertThat(refused.code()).isEqualTo(ErrorCode.TLS_UNTRUSTED);
    assertThat(refused.getMessage()).contains("ca_cert");

    Map<String, String> withCa = new HashMap<>(credentials);
    withCa.put("ca_cert", Files.readString(LocalOpenstackCloud.dir().resolve("tls/ca.crt")));
    try (SourceSession session =
        provider.open(LocalOpenstackCloud.source(LocalOpenstackCloud.KEYSTONE_TLS, withCa))) {
      assertThat(session.validator().checkSource()).noneMatch(ValidationIssue::isError);
    }
  }

  @Test
  void unknownServerIsNotFoundNamingIt() {
    try (SourceSession session = provider.open(LocalOpenstackCloud.admin())) {
      VmImportException failure =
          catchThrowableOfType(
              VmImportException.class,
              () -> session.inventory().describe(VmLocator.of("no-such-server-7")));
      assertThat(failure.code()).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(failure.getMessage()).contains("no-such-server-7");
      List<ValidationIssue> issues = session.validator().checkSource();
      assertThat(issues).noneMatch(ValidationIssue::isError);
    }
  }

  @Test
  void imageBackedServerIsDescribedExactly() throws IOException {
    String id = openstack("server", "show", "vm-eph", "-f", "value", "-c", "id");
    List<String> flavor =
        List.of(
            openstack("flavor", "show", "m1.small", "-f", "value", "-c", "vcpus", "-c", "ram")
                .split("\\s+"));
    List<String> macs =
        List.of(
            openstack("port", "list", "--server", id, "-f", "value", "-c", "MAC Address")
                .split("\\s+"));
    String data1 = openstack("volume", "show", "data1", "-f", "value", "-c", "id");

    try (SourceSession session = provider.open(LocalOpenstackCloud.admin())) {
      SourceVm byName = session.inventory().describe(VmLocator.of("vm-eph"));
      SourceVm byId = session.inventory().describe(VmLocator.of(id));

      assertThat(byId).isEqualTo(byName);
      assertThat(byName.id()).isEqualTo(id);
      assertThat(List.of(String.valueOf(byName.cpu().vcpus()), String.valueOf(byName.memoryMiB())))
          .containsExactlyInAnyOrderElementsOf(flavor);
      assertThat(byName.cpu().vcpus()).isEqualTo(2);
      assertThat(byName.memoryMiB()).isEqualTo(2048);
      assertThat(byName.nics()).extracting(SourceNic::macAddress).containsExactlyElementsOf(macs);
      assertThat(byName.nics()).allSatisfy(nic -> assertThat(nic.network()).contains("private"));
      assertThat(byName.disks()).hasSize(2);
      assertThat(byName.disks().get(0).bootOrder()).hasValue(1);
      assertThat(byName.disks().get(0).capacityBytes()).isEqualTo(1L << 30);
      assertThat(byName.disks().get(1).key()).isEqualTo(data1);
      assertThat(byName.disks().get(1).name()).isEqualTo("data1");
      assertThat(byName.disks().get(1).bootOrder()).isEmpty();
    }
  }

  @Test
  void nonAdminUserInAnotherDomainSeesItsServer() throws IOException {
    String udata =
        LocalOpenstackCloud.openstackAs(
            "importer-openrc", "volume", "show", "udata", "-f", "value", "-c", "id");
    try (SourceSession session = provider.open(LocalOpenstackCloud.importer())) {
      assertThat(session.validator().checkSource()).noneMatch(ValidationIssue::isError);
      SourceVm vm = session.inventory().describe(VmLocator.of("vm-user"));
      assertThat(vm.disks()).extracting(SourceDisk::key).contains(udata);
      assertThat(session.inventory().list()).containsExactly("vm-user");
    }
  }

  @Test
  void bootFromVolumeServerExportsTheVolumeBytesAndLeavesNothingBehind() throws Exception {
    try (SourceSession session = provider.open(LocalOpenstackCloud.admin())) {
      SourceVm vm = session.inventory().describe(VmLocator.of("vm-bfv"));
      assertThat(vm.disks()).hasSize(1);
      SourceDisk root = vm.disks().get(0);
      assertThat(root.bootOrder()).hasValue(1);
      Path volumeFile = LocalOpenstackCloud.dir().resolve("cinder-vols/volume-" + root.key());
      // distinctive content where the guest would have written, so that a zero-filled or
      // shifted export cannot pass
      byte[] pattern = new byte[3 * 1024 * 1024 + 7];
      new Random(42).nextBytes(pattern);
      try (var channel =
          java.nio.channels.FileChannel.open(volumeFile, java.nio.file.StandardOpenOption.WRITE)) {
        channel.write(java.nio.ByteBuffer.wrap(pattern), 16L * 1024 * 1024);
      }
      String expected = sha256(Files.newInputStream(volumeFile));
      Set<String> before = temporaryArtifacts();

      powerOff(session, vm);
      ExportSession export = session.exporter().begin(vm, OWNER);
      String actual;
      long length;
      try {
        awaitPrepared(export, root);
        try (DiskStream stream = export.open(root)) {
          assertThat(stream.format()).isEqualTo(DiskFormat.RAW);
          length = stream.length().orElseThrow();
          actual = sha256(stream.input());
        }
        CLEANUP.complete(export);
      } catch (Throwable failure) {
        try {
          CLEANUP.abort(export);
        } catch (RuntimeException | AssertionError e) {
          failure.addSuppressed(e);
        }
        throw failure;
      }
      assertThat(length).isEqualTo(Files.size(volumeFile));
      assertThat(actual).as("SHA-256 of the exported disk").isEqualTo(expected);
      awaitArtifacts(before);
    }
  }

  @Test
  void abortAfterAFailureMidExportLeavesNothingBehind() throws Exception {
    try (SourceSession session = provider.open(LocalOpenstackCloud.admin())) {
      SourceVm vm = session.inventory().describe(VmLocator.of("vm-bfv"));
      powerOff(session, vm);
      Set<String> before = temporaryArtifacts();
      ExportSession export = session.exporter().begin(vm, OWNER);
      SourceDisk disk = vm.disks().get(0);
      // run until a temporary volume exists (snapshot + volume created), then fail
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      Preparation preparation = export.prepare(disk);
      while (!preparation.detail().contains("uploading") && System.nanoTime() < deadline) {
        Thread.sleep(Math.min(1000, Math.max(10, preparation.retryAfter().toMillis())));
        preparation = export.prepare(disk);
      }
      assertThat(preparation.detail()).contains("uploading");
      assertThat(temporaryArtifacts()).hasSizeGreaterThanOrEqualTo(before.size() + 3);
      CLEANUP.abort(export);
      awaitArtifacts(before);
    }
  }

  @Test
  void whatADeadProcessLeftInTheCloudIsDeletedByTheNextSession() throws Exception {
    List<SourceArtifact> leftovers;
    Set<String> before;
    try (SourceSession dying = provider.open(LocalOpenstackCloud.admin())) {
      SourceVm vm = dying.inventory().describe(VmLocator.of("vm-bfv"));
      powerOff(dying, vm);
      before = temporaryArtifacts();
      ExportSession export = dying.exporter().begin(vm, OWNER);
      // the process dies with the snapshot, the volume and the image (still uploading) made
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      Preparation preparation = export.prepare(vm.disks().get(0));
      while (!preparation.detail().contains("uploading") && System.nanoTime() < deadline) {
        Thread.sleep(Math.min(1000, Math.max(10, preparation.retryAfter().toMillis())));
        preparation = export.prepare(vm.disks().get(0));
      }
      leftovers = export.artifacts();
    }
    assertThat(leftovers)
        .extracting(SourceArtifact::kind)
        .as("oldest first")
        .containsExactly("snapshot", "volume", "image");
    assertThat(temporaryArtifacts()).hasSize(before.size() + 3);

    try (SourceSession next = provider.open(LocalOpenstackCloud.admin())) {
      CLEANUP.release(next.exporter(), leftovers, OWNER);
      awaitArtifacts(before);
      // what is gone already counts as released
      CLEANUP.release(next.exporter(), leftovers, OWNER);
    }
  }

  @Test
  void imageBackedRootDiskExportsThroughCreateImage() throws Exception {
    try (SourceSession session = provider.open(LocalOpenstackCloud.admin())) {
      SourceVm vm = session.inventory().describe(VmLocator.of("vm-eph"));
      SourceDisk root = vm.disks().get(0);
      Set<String> before = temporaryArtifacts();
      powerOff(session, vm);
      ExportSession export = session.exporter().begin(vm, OWNER);
      byte[] data;
      try {
        awaitPrepared(export, root);
        try (DiskStream stream = export.open(root)) {
          data = stream.input().readAllBytes();
        }
        CLEANUP.complete(export);
      } catch (Throwable failure) {
        try {
          CLEANUP.abort(export);
        } catch (RuntimeException | AssertionError e) {
          failure.addSuppressed(e);
        }
        throw failure;
      }
      // the fake hypervisor's snapshot payload: a header naming the instance, then zeros
      byte[] header = ("osci-fake-snapshot instance=" + vm.id() + "\n").getBytes();
      assertThat(data).hasSize(4 * 1024 * 1024);
      assertThat(Arrays.copyOf(data, header.length)).isEqualTo(header);
      assertThat(Arrays.copyOfRange(data, header.length, data.length)).containsOnly((byte) 0);
      awaitArtifacts(before);
    }
  }

  @Test
  void nicsFollowTheInstancesPortOrderNotNeutronsListOrder() throws IOException {
    // ports created A, B, C (Neutron lists them in its own order); the server gets C, A, B
    List<String> macs = List.of("fa:16:3e:00:aa:0c", "fa:16:3e:00:aa:0a", "fa:16:3e:00:aa:0b");
    List<String> ports = new java.util.ArrayList<>();
    String server = "vm-nics-it";
    try {
      for (String mac : List.of(macs.get(1), macs.get(2), macs.get(0))) {
        ports.add(port("private", mac));
      }
      bootWithPorts(server, List.of(ports.get(2), ports.get(0), ports.get(1)));

      try (SourceSession session = provider.open(LocalOpenstackCloud.admin())) {
        SourceVm vm = session.inventory().describe(VmLocator.of(server));
        assertThat(vm.nics()).extracting(SourceNic::macAddress).containsExactlyElementsOf(macs);
        assertThat(vm.nics()).extracting(SourceNic::index).containsExactly(0, 1, 2);
        assertThat(vm.nics()).allSatisfy(nic -> assertThat(nic.network()).contains("private"));
      }
    } finally {
      deleteServerAndPorts(server, ports);
    }
  }

  @Test
  void nicsKeepTheOrderOfTheirNetworksAndIncludePortsWithoutAnAddress() throws IOException {
    // the server's first NIC is on the second network; a hash map of network names (openstack4j's)
    // would put "private" first. Its third port has no fixed IP, so Nova's addresses omit it.
    String network = "vmimport-it-b";
    String server = "vm-networks-it";
    List<String> macs = List.of("fa:16:3e:00:bb:01", "fa:16:3e:00:bb:02", "fa:16:3e:00:bb:03");
    List<String> ports = new java.util.ArrayList<>();
    try {
      openstack("network", "create", network, "-f", "value", "-c", "id");
      openstack("subnet", "create", "--network", network, "--subnet-range", "10.9.0.0/24", network);
      ports.add(port(network, macs.get(0)));
      ports.add(port("private", macs.get(1)));
      ports.add(port(network, macs.get(2), "--no-fixed-ip"));
      bootWithPorts(server, ports);

      try (SourceSession session = provider.open(LocalOpenstackCloud.admin())) {
        SourceVm vm = session.inventory().describe(VmLocator.of(server));
        assertThat(vm.nics()).extracting(SourceNic::macAddress).containsExactlyElementsOf(macs);
        assertThat(vm.nics())
            .extracting(nic -> nic.network().orElseThrow())
            .containsExactly(network, "private", network);
      }
    } finally {
      deleteServerAndPorts(server, ports);
      runQuietlyLogged("network", "delete", network);
    }
  }

  private static void bootWithPorts(String server, List<String> ports) throws IOException {
    List<String> create =
        new java.util.ArrayList<>(
            List.of("server", "create", "--flavor", "m1.small", "--image", "cirros-fake"));
    for (String port : ports) {
      create.addAll(List.of("--nic", "port-id=" + port));
    }
    create.addAll(List.of("--wait", "-f", "value", "-c", "id", server));
    openstack(create.toArray(String[]::new));
  }

  private static void deleteServerAndPorts(String server, List<String> ports) {
    runQuietlyLogged("server", "delete", "--wait", server);
    for (String port : ports) {
      runQuietlyLogged("port", "delete", port);
    }
  }

  private static String port(String network, String mac, String... options) throws IOException {
    List<String> args =
        new java.util.ArrayList<>(
            List.of("port", "create", "--network", network, "--mac-address", mac));
    args.addAll(List.of(options));
    args.addAll(List.of("-f", "value", "-c", "id", "vmimport-it-port-" + mac.replace(":", "")));
    return openstack(args.toArray(String[]::new));
  }

  @Test
  void firmwareAndNicModelComeFromTheBootImagesPropertiesInGlanceAndCinder() throws IOException {
    String image = "it-fw-image";
    String fromImage = "vm-fw-image-it";
    String fromVolume = "vm-fw-volume-it";
    Path file = Files.createTempFile("vmimport-it-fw", ".raw");
    String rootVolume = null;
    try {
      Files.write(file, new byte[1 << 20]);
      openstack(
          words("image create --disk-format raw --container-format bare --file " + file, image));
      String server = "server create --flavor m1.small --image " + image + " --network private";
      openstack(words(server + " --wait", fromImage));
      openstack(words(server + " --boot-from-volume 1 --wait", fromVolume));
      // set after the boot: the fake hypervisor has no UEFI or TPM traits to schedule them onto
      openstack(
          words(
              "image set --property hw_firmware_type=uefi --property os_secure_boot=required"
                  + " --property hw_tpm_model=tpm-crb --property hw_vif_model=e1000",
              image));

      try (SourceSession session = provider.open(LocalOpenstackCloud.admin())) {
        SourceVm imageBacked = session.inventory().describe(VmLocator.of(fromImage));
        assertThat(imageBacked.firmware()).isEqualTo(Firmware.efi(true, true));
        assertThat(imageBacked.nics())
            .extracting(SourceNic::model)
            .containsExactly(Optional.of(NicModel.E1000));

        // a volume keeps its own copy of the image's properties, taken when it was created
        SourceVm volumeBacked = session.inventory().describe(VmLocator.of(fromVolume));
        assertThat(volumeBacked.firmware()).isEqualTo(Firmware.BIOS);
        rootVolume = volumeBacked.disks().get(0).key();
        openstack(
            words(
                "volume set --image-property hw_firmware_type=uefi"
                    + " --image-property hw_vif_model=e1000e",
                rootVolume));
        volumeBacked = session.inventory().describe(VmLocator.of(fromVolume));
        assertThat(volumeBacked.firmware()).isEqualTo(Firmware.efi(false, false));
        assertThat(volumeBacked.nics())
            .extracting(SourceNic::model)
            .containsExactly(Optional.of(NicModel.E1000E));
      }
    } finally {
      runQuietlyLogged("server", "delete", "--wait", fromImage, fromVolume);
      if (rootVolume != null) {
        deleteVolumeIfPresent(rootVolume); // Nova may have deleted it with its server
      }
      runQuietlyLogged("image", "delete", image);
      Files.deleteIfExists(file);
    }
  }

  /** A command line of words without spaces, then its last argument (a name, a path). */
  private static String[] words(String command, String last) {
    List<String> args = new java.util.ArrayList<>(List.of(command.split(" ")));
    args.add(last);
    return args.toArray(String[]::new);
  }

  private static void deleteVolumeIfPresent(String id) {
    try {
      if (openstack("volume", "list", "-f", "value", "-c", "ID").lines().anyMatch(id::equals)) {
        runQuietlyLogged("volume", "delete", id);
      }
    } catch (IOException | AssertionError e) {
      System.err.println("cleanup: cannot list volumes to delete " + id + ": " + e);
    }
  }

  /** Cleanup of test resources: a failure here is reported but must not hide the test's own. */
  private static void runQuietlyLogged(String... args) {
    try {
      openstack(args);
    } catch (IOException | AssertionError e) {
      System.err.println("cleanup 'openstack " + String.join(" ", args) + "' failed: " + e);
    }
  }

  @Test
  void nonAdminUsersServerInAnotherDomainExportsIntactAndLeavesNothingBehind() throws Exception {
    try (SourceSession session = provider.open(LocalOpenstackCloud.importer())) {
      SourceVm vm = session.inventory().describe(VmLocator.of("vm-user"));
      assertThat(vm.disks()).hasSize(2);
      SourceDisk root = vm.disks().get(0);
      SourceDisk data = vm.disks().get(1);
      Path volumeFile = LocalOpenstackCloud.dir().resolve("cinder-vols/volume-" + data.key());
      String expectedData = sha256(Files.newInputStream(volumeFile));
      powerOff(session, vm);
      Set<String> before = temporaryArtifacts();

      ExportSession export = session.exporter().begin(vm, OWNER);
      byte[] rootBytes;
      String actualData;
      try {
        awaitPrepared(export, root);
        try (DiskStream stream = export.open(root)) {
          rootBytes = stream.input().readAllBytes();
        }
        awaitPrepared(export, data);
        try (DiskStream stream = export.open(data)) {
          actualData = sha256(stream.input());
        }
        CLEANUP.complete(export);
      } catch (Throwable failure) {
        try {
          CLEANUP.abort(export);
        } catch (RuntimeException | AssertionError e) {
          failure.addSuppressed(e);
        }
        throw failure;
      }
      byte[] header = ("osci-fake-snapshot instance=" + vm.id() + "\n").getBytes();
      assertThat(Arrays.copyOf(rootBytes, header.length)).isEqualTo(header);
      assertThat(actualData).as("SHA-256 of volume udata as exported").isEqualTo(expectedData);
      awaitArtifacts(before);
    }
  }

  private VmImportException openFails(SourceSpec source) {
    VmImportException failure =
        catchThrowableOfType(
            VmImportException.class,
            () -> {
              try (SourceSession session = provider.open(source)) {
                session.validator().checkSource();
              }
            });
    assertThat(failure).as("open() of %s must fail", source).isNotNull();
    return failure;
  }

  private static void powerOff(SourceSession session, SourceVm vm) {
    if (session.power().state(vm) != PowerState.OFF) {
      session.power().powerOff(vm);
    }
    await("server " + vm.name() + " SHUTOFF", () -> session.power().state(vm) == PowerState.OFF);
  }

  private static void awaitPrepared(ExportSession export, SourceDisk disk)
      throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    Preparation preparation = export.prepare(disk);
    while (!preparation.isReady()) {
      assertThat(System.nanoTime())
          .as("prepared before the deadline; last: %s", preparation.detail())
          .isLessThan(deadline);
      Thread.sleep(Math.min(1000, Math.max(10, preparation.retryAfter().toMillis())));
      preparation = export.prepare(disk);
    }
  }

  private static void awaitArtifacts(Set<String> before) {
    await(
        "temporary snapshots/volumes/images to be gone", () -> temporaryArtifacts().equals(before));
  }

  static void await(String what, Supplier<Boolean> done) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!done.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + TIMEOUT + " waiting for " + what);
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }

  static String sha256(InputStream input) throws Exception {
    try (input) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 20];
      for (int n = input.read(buffer); n != -1; n = input.read(buffer)) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    }
  }
}
