package io.vmimport.provider.ova;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmLocator;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user gets wrong on the server side, against a real nginx: each a clear error naming what
 * to fix, and never a disk.
 */
class OvaBadInputIT {
  private final OvaSourceProvider provider = new OvaSourceProvider();
  @TempDir Path work;

  private static SourceSpec source(URI url, Map<String, String> secret, int timeoutSeconds) {
    return new SourceSpec(
        "ova",
        "default",
        "appliance",
        Map.of("url", url.toString(), "httpTimeoutSeconds", String.valueOf(timeoutSeconds)),
        new Credentials("default/appliance-credentials", secret));
  }

  private static List<ValidationIssue> check(SourceSpec source) {
    try (SourceSession session = new OvaSourceProvider().open(source)) {
      return session.validator().checkSource();
    }
  }

  @Test
  void withoutCredentialsA401NamesSpecCredentials() {
    Nginx nginx = NginxPeer.get();
    SourceSpec source =
        source(nginx.https("private/" + SharedOva.VIRTUALBOX), Map.of("ca.crt", pem(nginx)), 10);

    List<ValidationIssue> issues = check(source);

    assertThat(issues)
        .singleElement()
        .satisfies(
            issue -> {
              assertThat(issue.code()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED);
              assertThat(issue.message()).contains("401", "spec.credentials");
            });
  }

  @Test
  void aWrongPasswordIsA401NamingTheSecretAndExportRefusesToo() {
    Nginx nginx = NginxPeer.get();
    SourceSpec source =
        source(
            nginx.https("private/" + SharedOva.VIRTUALBOX),
            Map.of("username", Nginx.USER, "password", "wrong-password-42", "ca.crt", pem(nginx)),
            10);

    assertThat(check(source))
        .singleElement()
        .satisfies(
            issue -> {
              assertThat(issue.code()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED);
              assertThat(issue.message())
                  .contains("default/appliance-credentials")
                  .doesNotContain("wrong-password-42");
            });
    try (SourceSession session = provider.open(source)) {
      VmImportException e =
          catchThrowableOfType(
              VmImportException.class,
              () -> session.inventory().describe(VmLocator.of(SharedOva.VIRTUALBOX_VM)));
      assertThat(e.code()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED);
      assertThat(e.retryable()).isFalse();
    }
  }

  @Test
  void a404NamesSpecUrl() {
    Nginx nginx = NginxPeer.get();
    SourceSpec source = source(nginx.https("no-such.ova"), Map.of("ca.crt", pem(nginx)), 10);

    assertThat(check(source))
        .singleElement()
        .satisfies(
            issue -> {
              assertThat(issue.code()).isEqualTo(ErrorCode.NOT_FOUND);
              assertThat(issue.message()).contains("404", "spec.url", "no-such.ova");
            });
  }

  @Test
  void anUntrustedCertificateNamesCaCrt() {
    Nginx nginx = NginxPeer.get();
    // no ca.crt: the system trust store does not know the throw-away CA
    SourceSpec source = source(nginx.https(SharedOva.VIRTUALBOX), Map.of(), 10);

    assertThat(check(source))
        .singleElement()
        .satisfies(
            issue -> {
              assertThat(issue.code()).isEqualTo(ErrorCode.TLS_UNTRUSTED);
              assertThat(issue.message()).contains("ca.crt");
            });
    try (SourceSession session = provider.open(source)) {
      VmImportException e =
          catchThrowableOfType(VmImportException.class, () -> session.inventory().list());
      assertThat(e.code()).isEqualTo(ErrorCode.TLS_UNTRUSTED);
    }
  }

  @Test
  void aServerWithoutRangeRequestsIsReadFromTheStart() throws Exception {
    Nginx nginx = NginxPeer.get();
    // nginx's plain-http server has max_ranges 0; the disk comes before the descriptor
    SourceSpec source = source(nginx.http(SharedOva.VIRTUALBOX), Map.of(), 10);

    try (SourceSession session = provider.open(source)) {
      assertThat(session.validator().checkSource()).isEmpty();
      Path exported = work.resolve("disk");
      OvaExports.exportFirstDisk(session, SharedOva.VIRTUALBOX_VM, exported);
      SharedOva.extract(SharedOva.virtualBox(), work.resolve("x"));
      assertThat(Files.mismatch(exported, work.resolve("x").resolve(SharedOva.VIRTUALBOX_DISK)))
          .isEqualTo(-1);
    }
  }

  @Test
  void aStallingServerTimesOutAfterHttpTimeoutSeconds() throws Exception {
    try (StallingServer stalling = new StallingServer()) {
      SourceSpec source = source(stalling.url(), Map.of(), 1);
      long start = System.nanoTime();
      try (SourceSession session = provider.open(source)) {
        VmImportException check =
            catchThrowableOfType(VmImportException.class, () -> session.validator().checkSource());
        assertThat(check.code()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(check.retryable()).isTrue();
        assertThat(check.getMessage()).contains("httpTimeoutSeconds");

        VmImportException read =
            catchThrowableOfType(VmImportException.class, () -> session.inventory().list());
        assertThat(read.code()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(read.getMessage()).contains("1 s", "httpTimeoutSeconds");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    }
  }

  @Test
  void aSlowServerThatNeverStallsIsNotATimeoutHoweverLongTheTransfer() throws Exception {
    // httpTimeoutSeconds bounds a silence, not the transfer: a disk sent at 8 KiB/s takes several
    // times the 2 s limit and must still arrive whole
    Nginx nginx = NginxPeer.get();
    Path slow = Files.createDirectories(NginxPeer.root().resolve("slow"));
    Path served = slow.resolve("slow-" + System.nanoTime() + ".ova");
    Files.createSymbolicLink(served, SharedOva.virtualBox());
    try {
      SourceSpec source =
          source(nginx.https("slow/" + served.getFileName()), Map.of("ca.crt", nginx.caPem()), 2);
      long start = System.nanoTime();
      try (SourceSession session = provider.open(source)) {
        Path exported = work.resolve("disk");
        OvaExports.exportFirstDisk(session, SharedOva.VIRTUALBOX_VM, exported);
        SharedOva.extract(SharedOva.virtualBox(), work.resolve("x"));
        assertThat(Files.mismatch(exported, work.resolve("x").resolve(SharedOva.VIRTUALBOX_DISK)))
            .isEqualTo(-1);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofSeconds(4));
    } finally {
      Files.delete(served);
    }
  }

  private static String pem(Nginx nginx) {
    try {
      return nginx.caPem();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
