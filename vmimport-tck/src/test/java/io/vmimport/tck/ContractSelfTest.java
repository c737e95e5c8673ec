package io.vmimport.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the suites against {@link FakeSourceProvider}: the correct variant must pass every check,
 * and each variant with one defect must fail the check meant to catch it. A suite that stopped
 * failing for its defect would protect no provider.
 */
class ContractSelfTest {
  @Test
  void correctProviderPassesEverySuite() {
    for (Class<?> suite :
        List.of(
            HonestDiscovery.class,
            HonestValidation.class,
            HonestInventory.class,
            HonestExport.class,
            HonestCapability.class,
            HonestInStepsExport.class,
            HonestInStepsCapability.class)) {
      TestExecutionSummary summary = run(suite);

      assertThat(failedTests(summary)).as("failures of %s", suite.getSimpleName()).isEmpty();
      assertThat(summary.getTestsSkippedCount() + summary.getTestsAbortedCount())
          .as("skipped or aborted tests of %s", suite.getSimpleName())
          .isZero();
      assertThat(summary.getTestsSucceededCount())
          .as("passed tests of %s", suite.getSimpleName())
          .isPositive();
    }
  }

  @Test
  void twoProvidersOfOneKindFailDiscovery() {
    assertThat(failedTests(run(TwinDiscovery.class)))
        .contains("serviceLoaderFindsExactlyOneProviderOfTheKind()");
  }

  @Test
  void authenticationFailureReportedAsUnavailableFailsValidation() {
    assertThat(failedTests(run(AuthAsUnavailableValidation.class)))
        .containsExactly("badCredentialsFailAsAuthenticationFailedNotRetryable()");
  }

  @Test
  void passwordInMessageFailsValidation() {
    assertThat(failedTests(run(PasswordLeakValidation.class)))
        .containsExactly("badCredentialsFailAsAuthenticationFailedNotRetryable()");
  }

  @Test
  void unstableDiskKeysFailInventory() {
    assertThat(failedTests(run(UnstableKeysInventory.class)))
        .containsExactly("diskKeysAreStableAcrossSessions()");
  }

  @Test
  void corruptedBytesFailExport() {
    assertThat(failedTests(run(CorruptExport.class)))
        .containsExactly("exportsEveryDiskUnchangedAndLeavesNothingOnSource()");
  }

  @Test
  void artifactsLeftByAbortFailExport() {
    assertThat(failedTests(run(LeakyExport.class)))
        .containsExactlyInAnyOrder(
            "abortBeforeAnyDiskIsReadLeavesNothingOnSource()",
            "abortAfterPartialReadLeavesNothingOnSource()",
            "closingStreamFromAnotherThreadStopsTransferAndAbortLeavesNothingOnSource()",
            "cleanupStepsReturnPromptlyWhileTheSourceIsBusyAndGetDone()");
  }

  @Test
  void waitingOnTheSourceInACleanupFailsExport() {
    assertThat(failedTests(run(WaitsInCleanupExport.class)))
        .containsExactlyInAnyOrder(
            "abortBeforeAnyDiskIsReadLeavesNothingOnSource()",
            "abortAfterPartialReadLeavesNothingOnSource()",
            "closingStreamFromAnotherThreadStopsTransferAndAbortLeavesNothingOnSource()",
            "cleanupStepsReturnPromptlyWhileTheSourceIsBusyAndGetDone()");
  }

  @Test
  void streamThatIgnoresCloseFailsExport() {
    assertThat(failedTests(run(IgnoresCloseExport.class)))
        .containsExactly(
            "closingStreamFromAnotherThreadStopsTransferAndAbortLeavesNothingOnSource()");
  }

  @Test
  void artifactsAnExportDoesNotReportFailExport() {
    assertThat(failedTests(run(ForgetfulExport.class)))
        .containsExactlyInAnyOrder(
            "whatADeadExportLeftIsReleasedByTheNextSession()",
            "releaseLeavesWhatAnotherImportsExportMadeInPlace()",
            "cleanupStepsReturnPromptlyWhileTheSourceIsBusyAndGetDone()");
  }

  @Test
  void releaseFailingOnWhatIsGoneFailsExport() {
    assertThat(failedTests(run(ReleaseFailsWhenGoneExport.class)))
        .containsExactly("whatADeadExportLeftIsReleasedByTheNextSession()");
  }

  @Test
  void releasingWhatIsNotTheImportsFailsExport() {
    assertThat(failedTests(run(ReleasesAnyOwnersExport.class)))
        .containsExactlyInAnyOrder(
            "releaseLeavesWhatAnotherImportsExportMadeInPlace()",
            "releaseLeavesAForeignArtifactInPlaceAndReportsIt()");
  }

  @Test
  void credentialsSentInClearFailValidation() {
    assertThat(failedTests(run(SendsInClearValidation.class)))
        .containsExactly("plainTextCredentialsAreFlagged()");
  }

  @Test
  void declaredButUnsupportedGuestShutdownFailsCapabilities() {
    assertThat(failedTests(run(ClaimsShutdownCapability.class)))
        .containsExactly("guestShutdownWorksIfAndOnlyIfDeclared()");
  }

  private static TestExecutionSummary run(Class<?> suite) {
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create()
        .execute(
            LauncherDiscoveryRequestBuilder.request().selectors(selectClass(suite)).build(),
            listener);
    return listener.getSummary();
  }

  private static Set<String> failedTests(TestExecutionSummary summary) {
    return summary.getFailures().stream()
        .map(failure -> failure.getTestIdentifier().getDisplayName())
        .collect(Collectors.toSet());
  }

  // the suites as provider tests would write them; nested, so only the launcher above runs them

  static class HonestDiscovery extends DiscoveryContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-honest");
    }
  }

  static class HonestValidation extends ValidationContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-honest");
    }
  }

  static class HonestInventory extends InventoryContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-honest");
    }
  }

  static class HonestExport extends ExportContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-honest");
    }
  }

  static class HonestCapability extends CapabilityContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-honest");
    }
  }

  static class HonestInStepsExport extends ExportContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-honest-in-steps");
    }
  }

  static class HonestInStepsCapability extends CapabilityContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-honest-in-steps");
    }
  }

  static class WaitsInCleanupExport extends ExportContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-waits-in-cleanup");
    }
  }

  static class TwinDiscovery extends DiscoveryContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-twin");
    }
  }

  static class AuthAsUnavailableValidation extends ValidationContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-auth-unavailable");
    }
  }

  static class PasswordLeakValidation extends ValidationContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-password-leak");
    }
  }

  static class UnstableKeysInventory extends InventoryContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-unstable-keys");
    }
  }

  static class CorruptExport extends ExportContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-corrupt");
    }
  }

  static class LeakyExport extends ExportContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-leak");
    }
  }

  static class IgnoresCloseExport extends ExportContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-ignores-close");
    }
  }

  static class ForgetfulExport extends ExportContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-forgets-artifacts");
    }
  }

  static class ReleaseFailsWhenGoneExport extends ExportContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-release-fails-when-gone");
    }
  }

  static class ReleasesAnyOwnersExport extends ExportContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-releases-any-owners");
    }
  }

  static class SendsInClearValidation extends ValidationContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-sends-in-clear");
    }
  }

  static class ClaimsShutdownCapability extends CapabilityContract {
    @Override
    protected ProviderFixture createFixture() {
      return new FakeFixture("fake-claims-shutdown");
    }
  }
}
