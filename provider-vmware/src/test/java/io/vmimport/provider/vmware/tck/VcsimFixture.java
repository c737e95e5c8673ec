package io.vmimport.provider.vmware.tck;

import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.VmLocator;
import io.vmimport.provider.vmware.VcsimWorlds;
import io.vmimport.tck.ProviderFixture;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The contract suites' view of a vcsim shaped by {@code VcsimWorld}: {@code Migrate/web01} is the
 * known VM (two disks of known content), {@code Migrate/app01} the powered-on one.
 */
final class VcsimFixture implements ProviderFixture {
  private final VcsimWorlds.Handle world;

  VcsimFixture(VcsimWorlds.Handle world) {
    this.world = world;
  }

  @Override
  public String kind() {
    return "vmware";
  }

  @Override
  public SourceSpec goodSource() {
    return world.sourceWithCa();
  }

  @Override
  public Optional<SourceSpec> sourceWithBadCredentials() {
    return Optional.of(world.sourceWithCaAndPassword("wrong-password-42"));
  }

  @Override
  public SourceSpec unreachableSource() {
    return new SourceSpec(
        "vmware",
        "default",
        "unreachable",
        Map.of("endpoint", "https://127.0.0.1:9/sdk", "dc", "DC0"),
        new io.vmimport.api.model.Credentials(
            "unreachable-creds", Map.of("username", "u", "password", "wrong-password-42")));
  }

  /** vSphere sources must be https; the provider refuses this one before connecting. */
  @Override
  public Optional<SourceSpec> plainHttpSource(URI plainHttpEndpoint) {
    return Optional.of(
        new SourceSpec(
            "vmware",
            "default",
            "plain-http",
            Map.of("endpoint", plainHttpEndpoint.resolve("/sdk").toString(), "dc", "DC0"),
            new io.vmimport.api.model.Credentials(
                "plain-http-creds",
                Map.of("username", "user", "password", "plain-text-password-42"))));
  }

  @Override
  public VmLocator knownVm() {
    return world.knownVm();
  }

  @Override
  public VmLocator unknownVm() {
    return new VmLocator("no-such-vm-7", Optional.of("Migrate"));
  }

  @Override
  public Optional<VmLocator> poweredOnVm() {
    return Optional.of(world.poweredOnVm());
  }

  @Override
  public void verifyExport(SourceDisk disk, DiskFormat format, Path exportedFile) throws Exception {
    world.verifyExport(disk, format, exportedFile);
  }

  /**
   * vSphere lists no NFC leases (they are not in the inventory), so there is nothing to enumerate
   * here; {@code VmwareExportIT} checks instead that the lease of an export is gone or ended after
   * complete() and abort().
   */
  @Override
  public Set<String> sourceArtifacts() {
    return Set.of();
  }
}
