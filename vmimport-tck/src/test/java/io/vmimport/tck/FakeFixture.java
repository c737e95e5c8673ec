package io.vmimport.tck;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.VmLocator;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * A fixture over a fresh {@link FakeSource}: {@code alpha} with two disks, {@code beta} running.
 */
final class FakeFixture implements ProviderFixture {
  private static final String PASSWORD = "fake-password-123";

  /** In-memory steps take microseconds; this leaves room for a slow, busy test machine. */
  static final Duration CLEANUP_STEP_LIMIT = Duration.ofMillis(250);

  private final String kind;
  private final FakeSource source;
  private final Map<String, byte[]> alphaDisks;

  FakeFixture(String kind) {
    this.kind = requireNonNull(kind, "kind is null");
    this.alphaDisks = Map.of("a0", bytes(100_000, 1), "a1", bytes(70_001, 2));
    this.source =
        FakeSource.create(
            PASSWORD,
            Map.of(
                "alpha", new FakeSource.FakeVm("id-alpha", alphaDisks, PowerState.ON),
                "beta",
                    new FakeSource.FakeVm("id-beta", Map.of("b0", bytes(1000, 3)), PowerState.ON)));
  }

  private static byte[] bytes(int length, long seed) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private SourceSpec spec(Map<String, String> settings, String password) {
    return new SourceSpec(
        kind, "tck", "fake", settings, new Credentials("tck/fake", Map.of("password", password)));
  }

  @Override
  public String kind() {
    return kind;
  }

  @Override
  public SourceSpec goodSource() {
    return spec(Map.of("source", source.name), PASSWORD);
  }

  @Override
  public Optional<SourceSpec> sourceWithBadCredentials() {
    return Optional.of(spec(Map.of("source", source.name), "wrong-password-42"));
  }

  @Override
  public SourceSpec unreachableSource() {
    return spec(Map.of("source", source.name, "unreachable", "true"), PASSWORD);
  }

  @Override
  public Optional<SourceSpec> plainHttpSource(URI plainHttpEndpoint) {
    return Optional.of(
        spec(Map.of("source", source.name, "endpoint", plainHttpEndpoint.toString()), PASSWORD));
  }

  @Override
  public Optional<SourceArtifact> foreignArtifact() {
    // a lease some other tool took: no owner mark
    source.artifacts.add("lease:made-by-hand");
    return Optional.of(new SourceArtifact("lease", "made-by-hand"));
  }

  @Override
  public VmLocator knownVm() {
    return VmLocator.of("alpha");
  }

  @Override
  public VmLocator unknownVm() {
    return VmLocator.of("gamma");
  }

  @Override
  public Optional<VmLocator> poweredOnVm() {
    return Optional.of(VmLocator.of("beta"));
  }

  @Override
  public void verifyExport(SourceDisk disk, DiskFormat format, Path exportedFile) throws Exception {
    DiskAssertions.assertSameBytes(exportedFile, alphaDisks.get(disk.name()));
  }

  @Override
  public Set<String> sourceArtifacts() {
    return Set.copyOf(source.artifacts);
  }

  @Override
  public Duration cleanupStepLimit() {
    return CLEANUP_STEP_LIMIT;
  }

  @Override
  public Duration timeout() {
    // short, since the self-test waits this long for every leak it provokes
    return Duration.ofMillis(500);
  }
}
