package io.vmimport.examples.directory;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.model.Credentials;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A sample source folder for the contract suites: {@code db-01} (running, two raw disks of
 * pseudo-random bytes) and {@code web-02} (running, one disk), protected by a {@code .credentials}
 * file.
 */
final class DirectoryFixture implements ProviderFixture {
  static final String KNOWN_VM = "db-01";
  static final String POWERED_ON_VM = "web-02";
  static final String USERNAME = "tck-user";
  static final String PASSWORD = "correct-horse-battery";

  private static final int MIB = 1024 * 1024;

  private final Path root;
  private final Map<String, byte[]> knownVmDisks;

  private DirectoryFixture(Path root, Map<String, byte[]> knownVmDisks) {
    this.root = requireNonNull(root, "root is null");
    this.knownVmDisks = Map.copyOf(requireNonNull(knownVmDisks, "knownVmDisks is null"));
  }

  /** Writes the sample VMs into the empty folder {@code root}. */
  static DirectoryFixture create(Path root) {
    try {
      Files.writeString(root.resolve(SourceFolder.CREDENTIALS_FILE), USERNAME + ":" + PASSWORD);
      // odd sizes, so that an export losing a partial last block shows
      Map<String, byte[]> disks =
          Map.of("disk0.raw", randomBytes(3 * MIB, 1), "disk1.raw", randomBytes(MIB + 4099, 2));
      writeVm(
          root.resolve(KNOWN_VM),
          """
          {"id": "vm-0001", "cpus": 4, "coresPerSocket": 2, "memoryMiB": 8192,
           "firmware": "efi", "secureBoot": true, "tpm": false,
           "description": "database", "guestOs": "debian12_64Guest",
           "disks": [{"file": "disk0.raw", "bus": "sata", "bootOrder": 1},
                     {"file": "disk1.raw", "bus": "scsi"}],
           "nics": [{"mac": "00:50:56:01:02:03", "model": "virtio", "network": "prod"},
                    {"mac": "00:50:56:01:02:04", "model": "e1000", "network": "backup"}]}
          """,
          "on",
          disks);
      writeVm(
          root.resolve(POWERED_ON_VM),
          """
          {"id": "vm-0002", "cpus": 1, "memoryMiB": 512,
           "disks": [{"file": "root.raw"}],
           "nics": [{"mac": "00:50:56:01:02:05"}]}
          """,
          "on",
          Map.of("root.raw", randomBytes(256 * 1024, 3)));
      return new DirectoryFixture(root, disks);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the sample source folder " + root, e);
    }
  }

  static void writeVm(Path dir, String vmJson, String power, Map<String, byte[]> disks)
      throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(VmFolder.DEFINITION_FILE), vmJson);
    Files.writeString(dir.resolve(VmFolder.POWER_FILE), power + "\n");
    for (Map.Entry<String, byte[]> disk : disks.entrySet()) {
      Files.write(dir.resolve(disk.getKey()), disk.getValue());
    }
  }

  /** Deterministic content: the same seed gives the same disk on every run and JVM. */
  static byte[] randomBytes(int length, long seed) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static SourceSpec source(Path path, String username, String password) {
    return new SourceSpec(
        DirectorySourceProvider.KIND,
        "default",
        "lab-folder",
        Map.of("path", path.toString()),
        new Credentials(
            "default/lab-folder-credentials", Map.of("username", username, "password", password)));
  }

  Path root() {
    return root;
  }

  @Override
  public String kind() {
    return DirectorySourceProvider.KIND;
  }

  @Override
  public SourceSpec goodSource() {
    return source(root, USERNAME, PASSWORD);
  }

  @Override
  public Optional<SourceSpec> sourceWithBadCredentials() {
    return Optional.of(source(root, USERNAME, "wrong-password-42"));
  }

  /**
   * A directory source carries credentials, but they are compared with a local file and never cross
   * a network: there is no endpoint that could be plain HTTP.
   */
  @Override
  public Optional<SourceSpec> plainHttpSource(URI plainHttpEndpoint) {
    return Optional.empty();
  }

  /** A lease file written by hand into {@code web-02}: no export token of ours, no owner line. */
  @Override
  public Optional<SourceArtifact> foreignArtifact() {
    try {
      Files.writeString(root.resolve(POWERED_ON_VM).resolve(VmFolder.LEASE_FILE), "by-hand\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Optional.of(new SourceArtifact("export-lease", POWERED_ON_VM + "#by-hand"));
  }

  @Override
  public SourceSpec unreachableSource() {
    return source(root.resolve("not-mounted"), USERNAME, PASSWORD);
  }

  @Override
  public VmLocator knownVm() {
    return VmLocator.of(KNOWN_VM);
  }

  @Override
  public VmLocator unknownVm() {
    return VmLocator.of("no-such-vm");
  }

  @Override
  public Optional<VmLocator> poweredOnVm() {
    return Optional.of(VmLocator.of(POWERED_ON_VM));
  }

  @Override
  public void verifyExport(SourceDisk disk, DiskFormat format, Path exportedFile)
      throws IOException {
    assertThat(format).as("format of the export of %s", disk.key()).isEqualTo(DiskFormat.RAW);
    assertThat(knownVmDisks).as("disks written for %s", KNOWN_VM).containsKey(disk.key());
    DiskAssertions.assertSameBytes(exportedFile, knownVmDisks.get(disk.key()));
  }

  @Override
  public Set<String> sourceArtifacts() {
    try (Stream<Path> files = Files.walk(root, 2)) {
      return files
          .filter(file -> file.getFileName().toString().equals(VmFolder.LEASE_FILE))
          .map(file -> root.relativize(file).toString())
          .collect(Collectors.toUnmodifiableSet());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root, e);
    }
  }

  @Override
  public Duration timeout() {
    return Duration.ofSeconds(10);
  }
}
