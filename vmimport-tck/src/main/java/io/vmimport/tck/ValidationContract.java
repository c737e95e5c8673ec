package io.vmimport.tck;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.SourceRef;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmLocator;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Validation and error translation: what decides {@code clusterReady} and what core retries.
 *
 * <p>A provider may reject bad credentials in {@code open()} (it logs in there) or later, either by
 * throwing from {@code checkSource()} or by returning an {@code ERROR} issue from it; each of these
 * must carry {@link ErrorCode#AUTHENTICATION_FAILED}, and a thrown one must not be retryable. An
 * unreachable source must make {@code open()} or {@code checkSource()} throw {@link
 * ErrorCode#SOURCE_UNAVAILABLE}, retryable: only an exception carries the retryable flag core acts
 * on, and {@link io.vmimport.api.source.SourceValidator} throws when the check cannot run. No
 * message may contain a credential value (see {@link ProviderFixture#secrets}), and a plain {@code
 * http://} endpoint that would carry credentials in clear is flagged.
 */
public abstract class ValidationContract extends ProviderContract {
  private static final String API_VERSION = "migration.harvesterhci.io/v1beta1";

  @Test
  void goodSourceHasNoErrors() {
    SourceSpec good = fixture().goodSource();

    CheckOutcome outcome = openAndCheck(good);

    outcome
        .failure()
        .ifPresent(
            e -> {
              throw new AssertionError("the good source failed to open or check: " + e, e);
            });
    assertThat(outcome.issues())
        .as("ERROR issues of checkSource() on the good source")
        .filteredOn(ValidationIssue::isError)
        .isEmpty();
    SecretScan.assertNoSecretIn(outcome.issues(), SecretScan.checkable(fixture().secrets(good)));
  }

  @Test
  void badCredentialsFailAsAuthenticationFailedNotRetryable() {
    Optional<SourceSpec> bad = fixture().sourceWithBadCredentials();
    assumeTrue(bad.isPresent(), "the fixture's sources take no credentials");
    Set<String> secrets = fixture().secrets(bad.get());
    assertThat(secrets)
        .as(
            "fixture: the bad credentials need a secret of at least %d characters to check that"
                + " messages do not leak it",
            SecretScan.MIN_CHECKABLE_LENGTH)
        .isNotEmpty()
        .allMatch(secret -> secret.length() >= SecretScan.MIN_CHECKABLE_LENGTH);

    CheckOutcome outcome = openAndCheck(bad.get());

    if (outcome.failure().isPresent()) {
      VmImportException failure = outcome.failure().get();
      SecretScan.assertNoSecretIn(failure, secrets);
      assertThat(failure.code())
          .as("code of %s", failure)
          .isEqualTo(ErrorCode.AUTHENTICATION_FAILED);
      assertThat(failure.retryable()).as("retryable() of %s", failure).isFalse();
    } else {
      SecretScan.assertNoSecretIn(outcome.issues(), secrets);
      assertThat(outcome.issues())
          .as("open() and checkSource() accepted bad credentials; issues")
          .anyMatch(issue -> issue.isError() && issue.code() == ErrorCode.AUTHENTICATION_FAILED);
    }
  }

  @Test
  void unreachableSourceFailsAsSourceUnavailableRetryable() {
    SourceSpec unreachable = fixture().unreachableSource();

    CheckOutcome outcome =
        assertTimeoutPreemptively(fixture().timeout(), () -> openAndCheck(unreachable));

    assertThat(outcome.failure())
        .as(
            "open() or checkSource() must throw for an unreachable source; checkSource() returned"
                + " %s",
            outcome.issues())
        .isPresent();
    VmImportException failure = outcome.failure().get();
    SecretScan.assertNoSecretIn(failure, SecretScan.checkable(fixture().secrets(unreachable)));
    assertThat(failure.code()).as("code of %s", failure).isEqualTo(ErrorCode.SOURCE_UNAVAILABLE);
    assertThat(failure.retryable()).as("retryable() of %s", failure).isTrue();
  }

  /**
   * Issue #13, point 7: a source whose endpoint is plain {@code http://} would send its credentials
   * in clear. Without an explicit opt-in the provider must flag it (refuse it with {@code
   * INVALID_SPEC}, or report an {@code ERROR} issue), and none of the credentials may reach the
   * endpoint: the suite runs a loopback listener there and looks at what it received.
   */
  @Test
  void plainTextCredentialsAreFlagged() throws IOException {
    try (PlainHttpListener listener = PlainHttpListener.start()) {
      Optional<SourceSpec> plain = fixture().plainHttpSource(listener.endpoint());
      assumeTrue(plain.isPresent(), "the fixture says its sources carry no credentials");
      Set<String> secrets = fixture().secrets(plain.get());
      assertThat(secrets)
          .as(
              "fixture: the plain-HTTP source needs a secret of at least %d characters to check"
                  + " that none reaches the listener",
              SecretScan.MIN_CHECKABLE_LENGTH)
          .isNotEmpty()
          .allMatch(secret -> secret.length() >= SecretScan.MIN_CHECKABLE_LENGTH);

      CheckOutcome outcome =
          assertTimeoutPreemptively(fixture().timeout(), () -> openAndCheck(plain.get()));

      String received = listener.received();
      for (String secret : secrets) {
        if (received.contains(secret)) {
          throw new AssertionError(
              "a credential ("
                  + secret.length()
                  + " characters) was sent in clear to "
                  + listener.endpoint());
        }
      }
      if (outcome.failure().isPresent()) {
        VmImportException failure = outcome.failure().get();
        SecretScan.assertNoSecretIn(failure, secrets);
        assertThat(failure.code())
            .as("code of %s (the user must change the spec)", failure)
            .isEqualTo(ErrorCode.INVALID_SPEC);
        assertThat(failure.retryable()).as("retryable() of %s", failure).isFalse();
      } else {
        SecretScan.assertNoSecretIn(outcome.issues(), secrets);
        assertThat(outcome.issues())
            .as("open() and checkSource() accepted a plain-HTTP endpoint; issues")
            .anyMatch(ValidationIssue::isError);
      }
    }
  }

  @Test
  void preflightAcceptsKnownVm() {
    try (SourceSession session = openGoodSource()) {
      List<ValidationIssue> issues = session.validator().preflight(importSpec(fixture().knownVm()));

      assertThat(issues)
          .as("ERROR issues of preflight() for the known VM")
          .filteredOn(ValidationIssue::isError)
          .isEmpty();
    }
  }

  @Test
  void preflightReportsUnknownVmAsIssueNamingIt() {
    VmLocator unknown = fixture().unknownVm();
    try (SourceSession session = openGoodSource()) {
      List<ValidationIssue> issues;
      try {
        issues = session.validator().preflight(importSpec(unknown));
      } catch (VmImportException e) {
        throw new AssertionError(
            "preflight() must return an issue for a VM that does not exist, not throw: " + e, e);
      }

      assertThat(issues)
          .as("preflight() issues for unknown VM '%s'", unknown.nameOrId())
          .anyMatch(
              issue ->
                  issue.isError()
                      && issue.code() == ErrorCode.NOT_FOUND
                      && issue.message().contains(unknown.nameOrId()));
    }
  }

  private ImportSpec importSpec(VmLocator vm) {
    SourceSpec source = fixture().goodSource();
    String kind = source.kind();
    // the CR kind core derives the provider kind from: vmware -> VmwareSource
    String crKind =
        kind.isEmpty()
            ? "Source"
            : kind.substring(0, 1).toUpperCase(Locale.ROOT) + kind.substring(1) + "Source";
    ImportSpec.Builder builder =
        ImportSpec.builder(
            new SourceRef(API_VERSION, crKind, source.name(), source.namespace()), vm.nameOrId());
    vm.folder().ifPresent(builder::folder);
    return builder.build();
  }

  private CheckOutcome openAndCheck(SourceSpec source) {
    try (SourceSession session = provider().open(source)) {
      return new CheckOutcome(Optional.empty(), session.validator().checkSource());
    } catch (VmImportException e) {
      return new CheckOutcome(Optional.of(e), List.of());
    } catch (RuntimeException e) {
      throw new AssertionError(
          "open() or checkSource() threw "
              + e.getClass().getName()
              + " instead of VmImportException; translate SDK exceptions at the provider boundary",
          e);
    }
  }

  /** What opening and checking a source gave: an exception, or the issues of checkSource(). */
  private record CheckOutcome(Optional<VmImportException> failure, List<ValidationIssue> issues) {
    CheckOutcome {
      requireNonNull(failure, "failure is null");
      issues = List.copyOf(requireNonNull(issues, "issues is null"));
    }
  }
}
