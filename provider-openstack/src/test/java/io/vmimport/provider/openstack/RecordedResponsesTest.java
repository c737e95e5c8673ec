package io.vmimport.provider.openstack;

import static io.vmimport.provider.openstack.RecordedCloud.IMAGE_ID;
import static io.vmimport.provider.openstack.RecordedCloud.PROJECT;
import static io.vmimport.provider.openstack.RecordedCloud.SERVER_ID;
import static io.vmimport.provider.openstack.RecordedCloud.SNAPSHOT_ID;
import static io.vmimport.provider.openstack.RecordedCloud.TEMP_VOLUME_ID;
import static io.vmimport.provider.openstack.RecordedCloud.VOLUME_ID;
import static io.vmimport.provider.openstack.RecordedCloud.fixture;
import static io.vmimport.provider.openstack.RecordedCloud.withField;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Cpu;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.CleanupStep;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.Preparation;
import io.vmimport.api.source.ReleaseStep;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.VmLocator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Error paths the local cloud cannot easily produce, on responses recorded from it. */
class RecordedResponsesTest {
  private static final String CINDER = "/v3/" + PROJECT;
  private static final SourceDisk DATA_DISK = SourceDisk.of(0, VOLUME_ID, "data1", 1L << 30);

  private static final ArtifactOwner OWNER =
      new ArtifactOwner("7d1c4a0e-5b7f-4f0a-9a43-recorded0001", "default/recorded-import");

  private RecordedCloud cloud;
  private final OpenstackSourceProvider provider = new OpenstackSourceProvider();

  @BeforeEach
  void startCloud() throws Exception {
    RecordedCloud.fixtures();
    cloud = new RecordedCloud();
    cloud.route("GET /v2.1/servers/" + SERVER_ID, fixture("15-server-show-shutoff"));
  }

  @AfterEach
  void stopCloud() {
    if (cloud != null) {
      cloud.close();
    }
  }

  private SourceSession open(int uploadImageRetryCount, int uploadImageRetryDelay) {
    return provider.open(
        new SourceSpec(
            OpenstackSourceProvider.KIND,
            "default",
            "recorded",
            Map.of(
                "endpoint", cloud.keystone(),
                "region", "RegionOne",
                "uploadImageRetryCount", String.valueOf(uploadImageRetryCount),
                "uploadImageRetryDelay", String.valueOf(uploadImageRetryDelay),
                // the recording server speaks plain HTTP on loopback
                "insecurePlainHTTP", "true"),
            new Credentials(
                "default/recorded",
                Map.of(
                    "username", "admin",
                    "password", "recorded-password-1",
                    "project_name", "admin",
                    "domain_name", "Default"))));
  }

  private static SourceVm stoppedServer() {
    return new SourceVm(
        SERVER_ID,
        "vm-eph",
        new Cpu(2, 1),
        2048,
        Firmware.BIOS,
        List.of(DATA_DISK),
        List.of(),
        Optional.empty(),
        Optional.empty());
  }

  /** Snapshot, temporary volume and upload answer as recorded. */
  private void routeUpToTheUpload() {
    cloud
        .route("POST " + CINDER + "/snapshots", fixture("17-snapshot-create"))
        .route("GET " + CINDER + "/snapshots/" + SNAPSHOT_ID, fixture("18-snapshot-show"))
        .route("POST " + CINDER + "/volumes", fixture("19-volume-create-from-snapshot"))
        .route("GET " + CINDER + "/volumes/" + TEMP_VOLUME_ID, fixture("20-volume-show-available"))
        .route(
            "POST " + CINDER + "/volumes/" + TEMP_VOLUME_ID + "/action",
            fixture("21-volume-upload-image"))
        .routeStatus("DELETE /v2/images/" + IMAGE_ID, 204, "")
        .routeStatus("DELETE " + CINDER + "/volumes/" + TEMP_VOLUME_ID, 202, "")
        .routeStatus("DELETE " + CINDER + "/snapshots/" + SNAPSHOT_ID, 202, "");
  }

  /** Calls prepare() until it is ready or fails; at most {@code maxSteps} calls. */
  private static Preparation prepareUntilReady(ExportSession export, int maxSteps) {
    Preparation preparation = export.prepare(DATA_DISK);
    for (int i = 1; !preparation.isReady() && i < maxSteps; i++) {
      preparation = export.prepare(DATA_DISK);
    }
    return preparation;
  }

  /** Takes cleanup steps one after the other, as core does after each wait, until done. */
  private static void endInSteps(Supplier<CleanupStep> step) {
    for (int i = 0; i < 10; i++) {
      if (step.get().isDone()) {
        return;
      }
    }
    throw new AssertionError("the cleanup was not done after 10 steps");
  }

  /** Prepares until the snapshot, the temporary volume and the image have been requested. */
  private static void prepareUpToTheUpload(ExportSession export) {
    for (int i = 0; i < 10 && export.artifacts().size() < 3; i++) {
      export.prepare(DATA_DISK);
    }
    assertThat(export.artifacts())
        .extracting(SourceArtifact::kind)
        .containsExactly("snapshot", "volume", "image");
  }

  /** A recorded snapshot, volume or image carrying {@link #OWNER}'s mark, as an export makes it. */
  private static JsonNode marked(String fixture, String member) {
    JsonNode recorded = fixture(fixture).deepCopy();
    ObjectNode body = (ObjectNode) recorded.path("response").path("body");
    if (member == null) {
      body.put("vmimport_import_uid", OWNER.uid());
    } else {
      ((ObjectNode) body.path(member))
          .putObject("metadata")
          .put("vmimport_import_uid", OWNER.uid());
    }
    return recorded;
  }

  private void routeTemporaryVolumeUploadingOnce() {
    String volume = "GET " + CINDER + "/volumes/" + TEMP_VOLUME_ID;
    cloud.unroute(volume);
    cloud
        .route(volume, withField("20-volume-show-available", "volume", "status", "uploading"))
        .route(volume, fixture("20-volume-show-available"));
  }

  @Test
  void anAbortStepReturnsWhileAVolumeIsStillUploadingAndALaterStepDeletesIt() {
    routeUpToTheUpload();
    cloud.route("GET /v2/images/" + IMAGE_ID, fixture("22-image-show-queued-or-saving"));
    try (SourceSession session = open(30, 10)) {
      ExportSession export = session.exporter().begin(stoppedServer(), OWNER);
      prepareUpToTheUpload(export);
      routeTemporaryVolumeUploadingOnce();

      CleanupStep first = export.abortStep();

      assertThat(first.isDone()).as("Cinder refuses to delete an uploading volume").isFalse();
      assertThat(first.detail()).contains("volume " + TEMP_VOLUME_ID, "uploading");
      assertThat(first.retryAfter()).isPositive();
      assertThat(deletes()).containsExactly("DELETE /v2/images/" + IMAGE_ID);
      assertThat(export.artifacts())
          .extracting(SourceArtifact::kind)
          .containsExactly("snapshot", "volume");

      CleanupStep second = export.abortStep();

      assertThat(second.isDone()).isTrue();
      assertThat(deletes())
          .containsExactly(
              "DELETE /v2/images/" + IMAGE_ID,
              "DELETE " + CINDER + "/volumes/" + TEMP_VOLUME_ID,
              "DELETE " + CINDER + "/snapshots/" + SNAPSHOT_ID);
      assertThat(export.artifacts()).isEmpty();
    }
  }

  @Test
  void aReleaseStepHandsBackWhatIsStillBusyInsteadOfWaitingForIt() {
    routeUpToTheUpload();
    cloud.unroute("GET " + CINDER + "/snapshots/" + SNAPSHOT_ID);
    cloud
        .route(
            "GET " + CINDER + "/snapshots/" + SNAPSHOT_ID, marked("18-snapshot-show", "snapshot"))
        .route("GET /v2/images/" + IMAGE_ID, marked("23-image-show-active", null));
    String volume = "GET " + CINDER + "/volumes/" + TEMP_VOLUME_ID;
    cloud.unroute(volume);
    JsonNode uploading = marked("20-volume-show-available", "volume");
    ((ObjectNode) uploading.path("response").path("body").path("volume"))
        .put("status", "uploading");
    cloud.route(volume, uploading).route(volume, marked("20-volume-show-available", "volume"));
    List<SourceArtifact> leftovers =
        List.of(
            new SourceArtifact("snapshot", SNAPSHOT_ID),
            new SourceArtifact("volume", TEMP_VOLUME_ID),
            new SourceArtifact("image", IMAGE_ID));
    try (SourceSession session = open(30, 10)) {
      ReleaseStep first = session.exporter().releaseStep(leftovers, OWNER);

      assertThat(first.isDone()).isFalse();
      assertThat(first.remaining()).isEqualTo(leftovers.subList(0, 2));
      assertThat(first.unowned()).isEmpty();
      assertThat(first.detail()).contains("volume " + TEMP_VOLUME_ID, "uploading");
      assertThat(deletes()).containsExactly("DELETE /v2/images/" + IMAGE_ID);

      ReleaseStep second = session.exporter().releaseStep(first.remaining(), OWNER);

      assertThat(second.isDone()).isTrue();
      assertThat(second.unowned()).isEmpty();
      assertThat(deletes())
          .containsExactly(
              "DELETE /v2/images/" + IMAGE_ID,
              "DELETE " + CINDER + "/volumes/" + TEMP_VOLUME_ID,
              "DELETE " + CINDER + "/snapshots/" + SNAPSHOT_ID);
    }
  }

  private List<String> deletes() {
    return cloud.requests.stream().filter(r -> r.startsWith("DELETE")).toList();
  }

  @Test
  void killedImageFailsTheExportAndAbortDeletesImageVolumeAndSnapshot() {
    routeUpToTheUpload();
    cloud.route(
        "GET /v2/images/" + IMAGE_ID, withField("23-image-show-active", null, "status", "killed"));
    try (SourceSession session = open(30, 10)) {
      ExportSession export = session.exporter().begin(stoppedServer(), OWNER);

      VmImportException failure =
          catchThrowableOfType(VmImportException.class, () -> prepareUntilReady(export, 20));
      endInSteps(export::abortStep);

      assertThat(failure.code()).isEqualTo(ErrorCode.EXPORT_FAILED);
      assertThat(failure.getMessage()).contains(IMAGE_ID).contains("killed");
      assertThat(deletes())
          .containsExactly(
              "DELETE /v2/images/" + IMAGE_ID,
              "DELETE " + CINDER + "/volumes/" + TEMP_VOLUME_ID,
              "DELETE " + CINDER + "/snapshots/" + SNAPSHOT_ID);
    }
  }

  @Test
  void temporaryVolumeInErrorFailsTheExportNamingIt() {
    routeUpToTheUpload();
    cloud.unroute("GET " + CINDER + "/volumes/" + TEMP_VOLUME_ID);
    cloud.route(
        "GET " + CINDER + "/volumes/" + TEMP_VOLUME_ID,
        withField("20-volume-show-available", "volume", "status", "error"));
    try (SourceSession session = open(30, 10)) {
      ExportSession export = session.exporter().begin(stoppedServer(), OWNER);

      VmImportException failure =
          catchThrowableOfType(VmImportException.class, () -> prepareUntilReady(export, 20));
      endInSteps(export::abortStep);

      assertThat(failure.code()).isEqualTo(ErrorCode.EXPORT_FAILED);
      assertThat(failure.getMessage()).contains(TEMP_VOLUME_ID).contains("error");
      assertThat(deletes())
          .containsExactly(
              "DELETE " + CINDER + "/volumes/" + TEMP_VOLUME_ID,
              "DELETE " + CINDER + "/snapshots/" + SNAPSHOT_ID);
    }
  }

  @Test
  void snapshotQuotaExhaustedIsQuotaExceededWithCindersMessage() {
    cloud.routeStatus(
        "POST " + CINDER + "/snapshots",
        413,
        "{\"overLimit\": {\"code\": 413, \"message\": \"SnapshotLimitExceeded: Maximum number of"
            + " snapshots allowed (10) exceeded\"}}");
    try (SourceSession session = open(30, 10)) {
      ExportSession export = session.exporter().begin(stoppedServer(), OWNER);

      VmImportException failure =
          catchThrowableOfType(VmImportException.class, () -> export.prepare(DATA_DISK));
      endInSteps(export::abortStep);

      assertThat(failure.code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
      assertThat(failure.getMessage()).contains("Maximum number of snapshots allowed");
      assertThat(deletes()).isEmpty();
    }
  }

  @Test
  void imageStillQueuedAfterTheRetryCountIsATimeoutAskingForTheConfiguredDelay() {
    routeUpToTheUpload();
    cloud.route("GET /v2/images/" + IMAGE_ID, fixture("22-image-show-queued-or-saving"));
    try (SourceSession session = open(2, 7)) {
      ExportSession export = session.exporter().begin(stoppedServer(), OWNER);
      Preparation last = null;
      VmImportException failure = null;
      int imageChecks = 0;
      for (int step = 0; step < 20 && failure == null; step++) {
        try {
          last = export.prepare(DATA_DISK);
          if (last.detail().startsWith("image ")) {
            imageChecks++;
            assertThat(last.retryAfter()).isEqualTo(Duration.ofSeconds(7));
          }
        } catch (VmImportException e) {
          failure = e;
        }
      }
      endInSteps(export::abortStep);

      assertThat(failure).isNotNull();
      assertThat(failure.code()).isEqualTo(ErrorCode.TIMEOUT);
      assertThat(failure.retryable()).isTrue();
      assertThat(failure.getMessage()).contains(IMAGE_ID).contains("uploadImageRetryCount");
      assertThat(imageChecks).isEqualTo(2);
    }
  }

  @Test
  void aFailedDeleteIsReportedAsCleanupFailedAndTheOthersAreStillDeleted() {
    routeUpToTheUpload();
    cloud.route("GET /v2/images/" + IMAGE_ID, fixture("23-image-show-active"));
    cloud.unroute("DELETE " + CINDER + "/volumes/" + TEMP_VOLUME_ID);
    cloud.routeStatus(
        "DELETE " + CINDER + "/volumes/" + TEMP_VOLUME_ID,
        500,
        "{\"computeFault\": {\"code\": 500, \"message\": \"backend unavailable\"}}");
    try (SourceSession session = open(30, 10)) {
      ExportSession export = session.exporter().begin(stoppedServer(), OWNER);
      assertThat(prepareUntilReady(export, 20).isReady()).isTrue();

      VmImportException failure =
          catchThrowableOfType(VmImportException.class, () -> endInSteps(export::completeStep));

      assertThat(failure).isNotNull();
      assertThat(failure.code()).isEqualTo(ErrorCode.CLEANUP_FAILED);
      assertThat(failure.getMessage())
          .contains("volume " + TEMP_VOLUME_ID)
          .doesNotContain(IMAGE_ID)
          .doesNotContain(SNAPSHOT_ID);
      assertThat(deletes()).contains("DELETE " + CINDER + "/snapshots/" + SNAPSHOT_ID);
    }
  }

  @Test
  void preparedDiskStreamsTheImageFileWithItsLength() throws Exception {
    routeUpToTheUpload();
    cloud.route("GET /v2/images/" + IMAGE_ID, fixture("23-image-show-active"));
    cloud.route(
        "GET /v2/images/" + IMAGE_ID + "/file",
        new RecordedCloud.Reply(
            200, Map.of("Content-Type", "application/octet-stream"), "raw disk bytes"));
    try (SourceSession session = open(30, 10)) {
      ExportSession export = session.exporter().begin(stoppedServer(), OWNER);
      assertThat(prepareUntilReady(export, 20).isReady()).isTrue();
      byte[] data;
      try (DiskStream stream = export.open(DATA_DISK)) {
        assertThat(stream.length()).hasValue(14);
        data = stream.input().readAllBytes();
      }
      endInSteps(export::completeStep);

      assertThat(new String(data, java.nio.charset.StandardCharsets.US_ASCII))
          .isEqualTo("raw disk bytes");
      assertThat(cloud.requests)
          .contains("POST " + CINDER + "/snapshots", "POST " + CINDER + "/volumes");
    }
  }

  @Test
  void wrongPasswordIsAuthenticationFailedWithoutThePassword() {
    cloud
        .unroute("POST /v3/auth/tokens")
        .route("POST /v3/auth/tokens", fixture("01-keystone-auth-401"));

    VmImportException failure = catchThrowableOfType(VmImportException.class, () -> open(30, 10));

    assertThat(failure.code()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED);
    assertThat(failure.getMessage()).contains("admin").doesNotContain("recorded-password-1");
  }

  @Test
  void severalServersWithTheNameIsNotUniqueListingTheirIds() {
    String servers =
        "{\"servers\": [{\"id\": \"11111111-1111-1111-1111-111111111111\", \"name\": \"vm-eph\"},"
            + " {\"id\": \"22222222-2222-2222-2222-222222222222\", \"name\": \"vm-eph\"}]}";
    cloud.routeStatus("GET /v2.1/servers", 200, servers);
    cloud.routeStatus("GET /v2.1/servers/detail", 200, servers);
    try (SourceSession session = open(30, 10)) {
      VmImportException failure =
          catchThrowableOfType(
              VmImportException.class, () -> session.inventory().describe(VmLocator.of("vm-eph")));

      assertThat(failure.code()).isEqualTo(ErrorCode.NOT_UNIQUE);
      assertThat(failure.getMessage())
          .contains("11111111-1111-1111-1111-111111111111")
          .contains("22222222-2222-2222-2222-222222222222");
    }
  }

  @Test
  void unknownServerUuidIsNotFoundNamingIt() {
    String unknown = "00000000-0000-0000-0000-000000000000";
    cloud.route("GET /v2.1/servers/" + unknown, fixture("06-server-not-found"));
    cloud.routeStatus("GET /v2.1/servers", 200, "{\"servers\": []}");
    cloud.routeStatus("GET /v2.1/servers/detail", 200, "{\"servers\": []}");
    try (SourceSession session = open(30, 10)) {
      VmImportException failure =
          catchThrowableOfType(
              VmImportException.class, () -> session.inventory().describe(VmLocator.of(unknown)));

      assertThat(failure.code()).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(failure.getMessage()).contains(unknown);
    }
  }

  @Test
  void aTokenAboutToExpireIsReissuedBeforeTheNextCall() {
    cloud.routeToken(java.time.Instant.now().plusSeconds(60));
    cloud.route("GET /v2.1/servers", fixture("05-servers-detail"));
    cloud.route("GET /v2.1/servers/detail", fixture("05-servers-detail"));
    try (SourceSession session = open(30, 10)) {
      long loginsAfterOpen = logins();

      session.inventory().list();
      session.inventory().list();

      assertThat(logins()).isEqualTo(loginsAfterOpen + 2);
    }
  }

  @Test
  void aTokenValidForLongIsReused() {
    cloud.route("GET /v2.1/servers", fixture("05-servers-detail"));
    cloud.route("GET /v2.1/servers/detail", fixture("05-servers-detail"));
    try (SourceSession session = open(30, 10)) {
      long loginsAfterOpen = logins();

      session.inventory().list();
      session.inventory().list();

      assertThat(logins()).isEqualTo(loginsAfterOpen);
    }
  }

  private long logins() {
    return cloud.requests.stream().filter("POST /v3/auth/tokens"::equals).count();
  }
}
