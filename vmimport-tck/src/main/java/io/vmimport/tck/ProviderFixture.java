package io.vmimport.tck;

import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.VmLocator;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What a provider's tests tell the contract suites about one test source: how to reach it, which VM
 * to read and export, what its disks contain, and which temporary artifacts exist on it.
 *
 * <p>How a third party uses the kit: put the provider jar (with its {@code
 * META-INF/services/io.vmimport.api.source.SourceProvider} entry) and {@code vmimport-tck} on the
 * test class path, implement this interface for a source you control (a simulator, a lab endpoint,
 * a folder), and write one small test class per suite, each extending the suite and returning the
 * fixture:
 *
 * <pre>{@code
 * class AcmeExportContractTest extends ExportContract {
 *   @TempDir Path scratch;
 *
 *   @Override
 *   protected ProviderFixture createFixture() {
 *     return new AcmeFixture(scratch);
 *   }
 * }
 * }</pre>
 *
 * Do the same for {@link DiscoveryContract}, {@link ValidationContract}, {@link InventoryContract},
 * {@link ExportContract} and {@link CapabilityContract}. The suites find the provider the way core
 * does, through {@link java.util.ServiceLoader} by {@link #kind()}, so a missing services entry
 * fails the suites just as it would fail a real import.
 *
 * <p>A fixture is created once per test (see {@link ProviderContract#createFixture()}). Tests may
 * change the source (power a VM off, create and remove export artifacts); a fixture over a shared
 * source must put it back in the state described here before each test, for example by powering
 * {@link #poweredOnVm()} on again.
 */
public interface ProviderFixture {
  /** The provider kind under test, as {@link io.vmimport.api.source.SourceProvider#kind()}. */
  String kind();

  /** A source that is reachable with valid credentials and holds {@link #knownVm()}. */
  SourceSpec goodSource();

  /**
   * The good source with a wrong password (or token). Use a distinctive wrong value of at least 8
   * characters, such as {@code wrong-password-42}, so that the check that it never appears in a
   * message means something. Empty for a provider whose sources take no credentials.
   */
  Optional<SourceSpec> sourceWithBadCredentials();

  /**
   * A source that cannot be reached: an endpoint on a closed port such as {@code 127.0.0.1:9}, a
   * folder that does not exist. Must fail fast, within {@link #timeout()}.
   */
  SourceSpec unreachableSource();

  /**
   * The good source with its endpoint replaced by {@code plainHttpEndpoint}, an {@code http://} URL
   * of a loopback listener the validation suite runs, e.g. {@code http://127.0.0.1:40123/}: append
   * the path your endpoints have ({@code /sdk}, {@code /v3}). Without any opt-in setting for plain
   * HTTP: the suite checks that the provider flags the source (refuses it with {@code
   * INVALID_SPEC}, or reports an {@code ERROR} issue) and that no credential reaches the listener.
   * Empty for a provider whose sources carry no credentials (a local folder): say so in a comment.
   */
  Optional<SourceSpec> plainHttpSource(URI plainHttpEndpoint);

  /**
   * A VM on {@link #goodSource()} with at least one disk whose content {@link #verifyExport} knows.
   */
  VmLocator knownVm();

  /** A VM name that does not exist on {@link #goodSource()}. */
  VmLocator unknownVm();

  /**
   * A VM that is powered on at the time of the call, on which guest shutdown and power-off work.
   * The capability suite skips the checks that need one when empty.
   */
  default Optional<VmLocator> poweredOnVm() {
    return Optional.empty();
  }

  /**
   * Checks that a file holds exactly the bytes of {@code disk} of {@link #knownVm()}. The suites
   * save each exported {@link io.vmimport.api.source.DiskStream} to {@code exportedFile} unchanged;
   * {@code format} is the stream's declared format. A fixture whose provider exports a non-raw
   * format converts it first (e.g. {@code qemu-img compare}) and may reject a format its provider
   * should not produce. {@link DiskAssertions} compares raw files.
   *
   * @throws AssertionError when the content differs
   * @throws Exception when the check itself fails (a converter missing, I/O)
   */
  void verifyExport(SourceDisk disk, DiskFormat format, Path exportedFile) throws Exception;

  /**
   * The temporary artifacts that exist on the source right now and that an export may create:
   * snapshots, temporary volumes and images, leases, marker files. One string per artifact, e.g.
   * {@code snapshot:vm-42/tck-1}. The export suite compares this set before an export and after it
   * was completed or aborted, or after a new session's release of what an export that never ended
   * reported; it must see the export's artifacts (if any) go away. Artifacts that are being deleted
   * asynchronously may be included until gone: the suite polls.
   */
  Set<String> sourceArtifacts();

  /**
   * Something on {@link #goodSource()} that looks like what an export makes (the same kind) but
   * that no export of this provider made: a volume created by hand, a lease of another tool. The
   * export suite hands it to {@code releaseStep} as if a checkpoint listed it and checks that it is
   * left in place and reported. It must exist for the duration of the test; where {@link
   * #sourceArtifacts()} lists it, the suite also sees it stay. Empty for a provider whose exports
   * leave nothing on the source (vSphere's leases end with their session); the suite then skips
   * that test.
   */
  default Optional<SourceArtifact> foreignArtifact() {
    return Optional.empty();
  }

  /**
   * The credential values that must never appear in messages. By default the values of keys whose
   * name contains {@code pass}, {@code secret}, {@code token} or {@code key}, ignoring case.
   */
  default Set<String> secrets(SourceSpec source) {
    Pattern secretKey = Pattern.compile("pass|secret|token|key", Pattern.CASE_INSENSITIVE);
    return source.credentials().data().entrySet().stream()
        .filter(entry -> secretKey.matcher(entry.getKey()).find())
        .map(entry -> entry.getValue())
        .filter(value -> !value.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
  }

  /**
   * How long the suites wait for anything on the source: a power state change, a disk preparation,
   * cleanup of artifacts, a failing connection.
   */
  default Duration timeout() {
    return Duration.ofMinutes(2);
  }

  /**
   * The longest one step of a cleanup may take: one call of {@link
   * io.vmimport.api.source.ExportSession#completeStep()}, {@link
   * io.vmimport.api.source.ExportSession#abortStep()} or {@link
   * io.vmimport.api.source.DiskExporter#releaseStep}. A step does what the source allows now (a few
   * remote calls) and returns; one that takes longer is waiting on the source, which core does
   * between steps, where a cancel cannot cut the cleanup short. The suites fail such a provider.
   * Set it above the slowest remote call of your test source, well below its slowest wait.
   */
  default Duration cleanupStepLimit() {
    return CleanupSteps.DEFAULT_STEP_LIMIT;
  }
}
