package io.vmimport.provider.openstack;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.VmLocator;
import io.vmimport.tck.DiskAssertions;
import io.vmimport.tck.ProviderFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * The vmimport-tck fixture on the local OpenStack: known VM {@code vm-eph} (image-backed root disk
 * exported through createImage, plus the attached volume {@code data1}), powered-on VM {@code
 * vm-bfv} (started again before each test).
 */
final class LocalCloudFixture implements ProviderFixture {
  private static final String KNOWN_VM = "vm-eph";
  private static final String POWERED_ON_VM = "vm-bfv";
  static final String FOREIGN_VOLUME = "vmimport-made-by-hand";
  private static volatile boolean data1Marked;

  private final String knownVmId;
  private final String data1Id;

  LocalCloudFixture() {
    try {
      knownVmId =
          LocalOpenstackCloud.openstack("server", "show", KNOWN_VM, "-f", "value", "-c", "id");
      data1Id = LocalOpenstackCloud.openstack("volume", "show", "data1", "-f", "value", "-c", "id");
      markData1();
      startPoweredOnVm();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes pseudo-random bytes into data1 once, so a zero-filled export cannot pass. */
  private void markData1() throws IOException {
    if (data1Marked) {
      return;
    }
    byte[] pattern = new byte[2 * 1024 * 1024 + 13];
    new Random(7).nextBytes(pattern);
    try (FileChannel channel = FileChannel.open(data1File(), StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(pattern), 100L * 1024 * 1024 + 3);
    }
    data1Marked = true;
  }

  private Path data1File() {
    return LocalOpenstackCloud.dir().resolve("cinder-vols/volume-" + data1Id);
  }

  private static void startPoweredOnVm() throws IOException {
    String status =
        LocalOpenstackCloud.openstack(
            "server", "show", POWERED_ON_VM, "-f", "value", "-c", "status");
    if (status.equals("ACTIVE")) {
      return;
    }
    LocalOpenstackCloud.openstack("server", "start", POWERED_ON_VM);
    OpenstackCloudIT.await(
        POWERED_ON_VM + " ACTIVE",
        () -> {
          try {
            return LocalOpenstackCloud.openstack(
                    "server", "show", POWERED_ON_VM, "-f", "value", "-c", "status")
                .equals("ACTIVE");
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  @Override
  public String kind() {
    return OpenstackSourceProvider.KIND;
  }

  @Override
  public SourceSpec goodSource() {
    return LocalOpenstackCloud.admin();
  }

  @Override
  public Optional<SourceSpec> sourceWithBadCredentials() {
    return Optional.of(
        LocalOpenstackCloud.source(
            LocalOpenstackCloud.KEYSTONE,
            LocalOpenstackCloud.credentials("admin", "wrong-password-42", "admin", "Default")));
  }

  @Override
  public SourceSpec unreachableSource() {
    return LocalOpenstackCloud.source(
        "http://127.0.0.1:9/v3",
        LocalOpenstackCloud.credentials("admin", LocalOpenstackCloud.PASSWORD, "admin", "Default"));
  }

  @Override
  public Optional<SourceSpec> plainHttpSource(URI plainHttpEndpoint) {
    // no opt-in; a distinctive password, so that the suite can look for it at its listener
    return Optional.of(
        LocalOpenstackCloud.sourceWithoutOptIn(
            plainHttpEndpoint.resolve("/v3").toString(),
            LocalOpenstackCloud.credentials(
                "admin", "plain-text-password-42", "admin", "Default")));
  }

  /**
   * A volume made by hand, named like the export's temporary volumes so that {@link
   * #sourceArtifacts()} lists it, without the owner mark. Made once and kept for later runs.
   */
  @Override
  public Optional<SourceArtifact> foreignArtifact() {
    try {
      String id =
          LocalOpenstackCloud.openstack(
              "volume", "list", "--name", FOREIGN_VOLUME, "-f", "value", "-c", "ID");
      if (id.isEmpty()) {
        id =
            LocalOpenstackCloud.openstack(
                "volume", "create", "--size", "1", FOREIGN_VOLUME, "-f", "value", "-c", "id");
      }
      String volumeId = id.lines().findFirst().orElseThrow();
      OpenstackCloudIT.await(
          FOREIGN_VOLUME + " available",
          () -> {
            try {
              return LocalOpenstackCloud.openstack(
                      "volume", "show", volumeId, "-f", "value", "-c", "status")
                  .equals("available");
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
      return Optional.of(new SourceArtifact("volume", volumeId));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public VmLocator knownVm() {
    return VmLocator.of(KNOWN_VM);
  }

  @Override
  public VmLocator unknownVm() {
    return VmLocator.of("no-such-server-42");
  }

  @Override
  public Optional<VmLocator> poweredOnVm() {
    return Optional.of(VmLocator.of(POWERED_ON_VM));
  }

  @Override
  public void verifyExport(SourceDisk disk, DiskFormat format, Path exportedFile) throws Exception {
    assertThat(format).as("format of %s", disk.key()).isEqualTo(DiskFormat.RAW);
    if (disk.key().equals(data1Id)) {
      DiskAssertions.assertSameBytes(exportedFile, data1File());
      return;
    }
    // the root disk: what the fake hypervisor uploads on createImage
    byte[] header = ("osci-fake-snapshot instance=" + knownVmId + "\n").getBytes();
    byte[] expected = new byte[4 * 1024 * 1024];
    System.arraycopy(header, 0, expected, 0, header.length);
    DiskAssertions.assertSameBytes(exportedFile, expected);
  }

  @Override
  public Set<String> sourceArtifacts() {
    return LocalOpenstackCloud.temporaryArtifacts();
  }

  @Override
  public Duration timeout() {
    return Duration.ofMinutes(4);
  }
}
