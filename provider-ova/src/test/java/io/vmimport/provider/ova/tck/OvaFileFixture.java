package io.vmimport.provider.ova.tck;

import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.VmLocator;
import io.vmimport.provider.ova.OvaSourceProvider;
import io.vmimport.provider.ova.SharedOva;
import io.vmimport.tck.DiskAssertions;
import io.vmimport.tck.ProviderFixture;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The shared VirtualBox OVA through a {@code file://} URL. The expected disk bytes are the VMDK as
 * the system's {@code tar} extracts it.
 */
public class OvaFileFixture implements ProviderFixture {
  private final Path work;

  public OvaFileFixture(Path work) {
    this.work = work;
  }

  protected SourceSpec source(URI url, Map<String, String> secret) {
    return new SourceSpec(
        OvaSourceProvider.KIND,
        "default",
        "appliance",
        Map.of("url", url.toString(), "httpTimeoutSeconds", "20"),
        new Credentials("default/appliance-credentials", secret));
  }

  @Override
  public String kind() {
    return OvaSourceProvider.KIND;
  }

  @Override
  public SourceSpec goodSource() {
    return source(SharedOva.virtualBox().toUri(), Map.of());
  }

  /** A file takes no credentials. */
  @Override
  public Optional<SourceSpec> sourceWithBadCredentials() {
    return Optional.empty();
  }

  /** A file in a directory that does not exist, as a volume that is not mounted. */
  @Override
  public SourceSpec unreachableSource() {
    return source(work.resolve("not-mounted").resolve("x.ova").toUri(), Map.of());
  }

  /** A file source carries no credentials that could cross a network. */
  @Override
  public Optional<SourceSpec> plainHttpSource(URI plainHttpEndpoint) {
    return Optional.empty();
  }

  @Override
  public VmLocator knownVm() {
    return VmLocator.of(SharedOva.VIRTUALBOX_VM);
  }

  @Override
  public VmLocator unknownVm() {
    return VmLocator.of("no-such-appliance");
  }

  @Override
  public void verifyExport(SourceDisk disk, DiskFormat format, Path exportedFile) throws Exception {
    if (format != DiskFormat.VMDK) {
      throw new AssertionError("disk " + disk.key() + " exported as " + format + ", not VMDK");
    }
    Path extracted = work.resolve("extracted");
    if (!Files.isDirectory(extracted)) {
      SharedOva.extract(SharedOva.virtualBox(), extracted);
    }
    DiskAssertions.assertSameBytes(
        exportedFile, Files.readAllBytes(extracted.resolve(SharedOva.VIRTUALBOX_DISK)));
  }

  /** An export makes nothing on the source. */
  @Override
  public Set<String> sourceArtifacts() {
    return Set.of();
  }

  @Override
  public Duration timeout() {
    return Duration.ofSeconds(20);
  }
}
