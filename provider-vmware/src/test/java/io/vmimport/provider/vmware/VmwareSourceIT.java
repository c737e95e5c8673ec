package io.vmimport.provider.vmware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NetworkMapping;
import io.vmimport.api.model.SourceRef;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.provider.vmware.internal.VimConnection;
import io.vmimport.provider.vmware.internal.VmwareSettings;
import io.vmimport.provider.vmware.internal.VmwareSourceSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Source checks against vcsim serving a certificate of a CA generated here. */
class VmwareSourceIT {
  @TempDir static Path dir;
  static VcsimWorld world;
  static String caPem;
  static String otherCaPem;

  @BeforeAll
  static void startVcsimWithOwnCa() throws Exception {
    Path ca = TestCa.create(dir.resolve("ca"), "vmimport-test-ca");
    Path other = TestCa.create(dir.resolve("other-ca"), "some-other-ca");
    TestCa.issueServerCertificate(ca, "127.0.0.1");
    caPem = Files.readString(ca.resolve("ca.crt"));
    otherCaPem = Files.readString(other.resolve("ca.crt"));
    world =
        VcsimWorld.start(
            dir,
            Map.of("GOVC_TLS_CA_CERTS", ca.resolve("ca.crt").toString()),
            "-tlscert",
            ca.resolve("server.crt").toString(),
            "-tlskey",
            ca.resolve("server.key").toString());
  }

  @AfterAll
  static void stopVcsim() throws Exception {
    if (world != null) {
      world.close();
    }
  }

  private static SourceSpec withCa(String key, String pem) {
    return world.source(
        Map.of(), Map.of("username", VcsimWorld.USER, "password", VcsimWorld.PASSWORD, key, pem));
  }

  private static ImportSpec importOf(String vm, String folder) {
    ImportSpec.Builder builder =
        ImportSpec.builder(
            new SourceRef("migration.harvesterhci.io/v1beta1", "VmwareSource", "vcsim", "default"),
            vm);
    return (folder == null ? builder : builder.folder(folder)).build();
  }

  @Test
  void sourceIsReadyWithTheCaFromTheSecretUnderAnyOfItsKeys() {
    for (String key : List.of("caCert", "ca_cert", "ca.crt")) {
      try (SourceSession session = new VmwareSourceProvider().open(withCa(key, caPem))) {
        assertThat(session.validator().checkSource()).as("issues with CA under %s", key).isEmpty();
      }
    }
  }

  @Test
  void certificateIsRefusedWithoutItsCa() {
    SourceSpec noCa =
        world.source(
            Map.of(), Map.of("username", VcsimWorld.USER, "password", VcsimWorld.PASSWORD));
    for (SourceSpec source : List.of(noCa, withCa("caCert", otherCaPem))) {
      assertThatThrownBy(() -> new VmwareSourceProvider().open(source).close())
          .isInstanceOf(VmImportException.class)
          .hasMessageContaining("not trusted")
          .hasMessageContaining("caCert")
          .hasMessageContaining("vcsim-creds")
          .satisfies(
              e -> assertThat(((VmImportException) e).code()).isEqualTo(ErrorCode.TLS_UNTRUSTED));
    }
  }

  @Test
  void insecureOptInConnectsAndIsReportedAsWarning() {
    try (SourceSession session = new VmwareSourceProvider().open(world.insecureSource())) {
      List<ValidationIssue> issues = session.validator().checkSource();
      assertThat(issues).hasSize(1);
      assertThat(issues.get(0).isError()).isFalse();
      assertThat(issues.get(0).message()).contains("verification is disabled");
      assertThat(issues.get(0).field()).contains("spec.insecureSkipTLSVerify");
    }
  }

  @Test
  void wrongPasswordIsAuthenticationFailedNotRetryableAndNotEchoed() {
    String wrong = "wrong-password-42";
    assertThatThrownBy(
            () -> new VmwareSourceProvider().open(world.sourceWithPassword(wrong)).close())
        .isInstanceOf(VmImportException.class)
        .hasMessageContaining("vcsim-creds")
        .hasMessageContaining("password")
        .satisfies(
            e -> {
              VmImportException error = (VmImportException) e;
              assertThat(error.code()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED);
              assertThat(error.retryable()).isFalse();
              assertThat(error.getMessage()).doesNotContain(wrong);
            });
  }

  @Test
  void unknownDatacenterIsReportedListingTheExistingOnes() {
    SourceSpec source =
        world.source(
            Map.of("dc", "DC9"),
            Map.of("username", VcsimWorld.USER, "password", VcsimWorld.PASSWORD, "caCert", caPem));
    try (SourceSession session = new VmwareSourceProvider().open(source)) {
      List<ValidationIssue> issues = session.validator().checkSource();
      assertThat(issues).hasSize(1);
      ValidationIssue issue = issues.get(0);
      assertThat(issue.isError()).isTrue();
      assertThat(issue.code()).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(issue.field()).contains("spec.dc");
      assertThat(issue.message()).contains("'DC9'").contains("datacenters: [DC0]");
    }
  }

  /** Issue #14: the preflight of an import blames the datacenter, not the VM's name. */
  @Test
  void preflightReportsAnUnknownDatacenterAgainstSpecDc() {
    SourceSpec source =
        world.source(
            Map.of("dc", "DC9"),
            Map.of("username", VcsimWorld.USER, "password", VcsimWorld.PASSWORD, "caCert", caPem));
    try (SourceSession session = new VmwareSourceProvider().open(source)) {
      List<ValidationIssue> issues = session.validator().preflight(importOf("DC0_H0_VM0", null));
      assertThat(issues).hasSize(1);
      ValidationIssue issue = issues.get(0);
      assertThat(issue.code()).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(issue.field()).contains("spec.dc");
      assertThat(issue.message()).contains("'DC9'").contains("datacenters: [DC0]");
    }
  }

  @Test
  void datacenterWithoutLeadingSlashIsFound() {
    SourceSpec source =
        world.source(
            Map.of("dc", "DC0"),
            Map.of("username", VcsimWorld.USER, "password", VcsimWorld.PASSWORD, "caCert", caPem));
    try (SourceSession session = new VmwareSourceProvider().open(source)) {
      assertThat(session.validator().checkSource()).isEmpty();
    }
  }

  @Test
  void unreachableEndpointIsSourceUnavailableRetryable() {
    SourceSpec source =
        new SourceSpec(
            "vmware",
            "default",
            "gone",
            Map.of("endpoint", "https://127.0.0.1:9/sdk", "dc", "DC0"),
            new io.vmimport.api.model.Credentials(
                "gone-creds", Map.of("username", "u", "password", "wrong-password-42")));
    assertThatThrownBy(() -> new VmwareSourceProvider().open(source))
        .isInstanceOf(VmImportException.class)
        .hasMessageContaining("cannot be reached")
        .satisfies(
            e -> {
              assertThat(((VmImportException) e).code()).isEqualTo(ErrorCode.SOURCE_UNAVAILABLE);
              assertThat(((VmImportException) e).retryable()).isTrue();
            });
  }

  @Test
  void preflightReportsUnknownVmAndMissingToolsAndUnknownNetwork() {
    try (SourceSession session = new VmwareSourceProvider().open(withCa("caCert", caPem))) {
      List<ValidationIssue> unknown = session.validator().preflight(importOf("db99", "Migrate"));
      assertThat(unknown).hasSize(1);
      assertThat(unknown.get(0).code()).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(unknown.get(0).message()).contains("DC0/vm/Migrate/db99");

      assertThat(session.validator().preflight(importOf("web01", "Migrate"))).isEmpty();

      ImportSpec running =
          importOf(VcsimWorld.RUNNING_VM, "Migrate").toBuilder()
              .addNetworkMapping(new NetworkMapping("Lab Net", "default/lab"))
              .build();
      List<ValidationIssue> issues = session.validator().preflight(running);
      assertThat(issues).allSatisfy(issue -> assertThat(issue.isError()).isFalse());
      assertThat(issues)
          .anySatisfy(issue -> assertThat(issue.message()).contains("VMware Tools are not running"))
          .anySatisfy(
              issue -> {
                assertThat(issue.message()).contains("'Lab Net'").contains("VM Network");
                assertThat(issue.field()).contains("spec.networkMapping[0].sourceNetwork");
              });
      assertThat(session.validator().preflight(running.toBuilder().forcePowerOff(true).build()))
          .noneSatisfy(issue -> assertThat(issue.message()).contains("VMware Tools"));
    }
  }

  @Test
  void sessionTerminatedByTheServerIsRenewed() {
    try (SourceSession session = new VmwareSourceProvider().open(withCa("caCert", caPem));
        VimConnection admin = VimConnection.open(VmwareSettings.of(withCa("caCert", caPem)))) {
      VimConnection connection = ((VmwareSourceSession) session).connection();
      String firstKey = connection.sessionKey();
      admin.call(
          "terminate session",
          v -> {
            v.terminateSession(admin.content().getSessionManager(), new String[] {firstKey});
            return null;
          });
      assertThat(session.inventory().describe(VcsimWorld.web01()).name()).isEqualTo("web01");
      assertThat(connection.sessionKey()).isNotEqualTo(firstKey);
    }
  }

  @Test
  void closingTheSessionLogsOut() {
    try (VimConnection admin = VimConnection.open(VmwareSettings.of(withCa("caCert", caPem)))) {
      SourceSession session = new VmwareSourceProvider().open(withCa("caCert", caPem));
      String key = ((VmwareSourceSession) session).connection().sessionKey();
      assertThat(sessionKeys(admin)).contains(key);

      session.close();

      assertThat(sessionKeys(admin)).doesNotContain(key).contains(admin.sessionKey());
    }
  }

  private static List<String> sessionKeys(VimConnection admin) {
    Object sessions =
        admin.properties(admin.content().getSessionManager(), "sessionList").get("sessionList");
    return java.util.Arrays.stream((com.vmware.vim25.UserSession[]) sessions)
        .map(com.vmware.vim25.UserSession::getKey)
        .toList();
  }
}
