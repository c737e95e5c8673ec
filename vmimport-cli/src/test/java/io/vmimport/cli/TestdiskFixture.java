package io.vmimport.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** A folder of raw disks for {@link TestDiskProvider} and the resources file that imports it. */
final class TestdiskFixture {
  static final String VM = "test-vm";
  static final String IMPORT = "test-import";

  final Path sourceDir;
  final Path resources;

  private TestdiskFixture(Path sourceDir, Path resources) {
    this.sourceDir = sourceDir;
    this.resources = resources;
  }

  /**
   * Disks {@code disk0.raw} (boot, {@code sizes[0]} bytes) and so on, with random data and holes.
   *
   * @param extraSourceSpec more lines of the source's spec, e.g. {@code "bytesPerSecond: 1000"}
   */
  static TestdiskFixture create(Path dir, long[] sizes, String... extraSourceSpec) {
    try {
      Path source = Files.createDirectories(dir.resolve("source"));
      writeDisks(source, sizes, 42);
      Path resources = dir.resolve("resources.yaml");
      Files.writeString(resources, yaml(source, String.join("\n", extraSourceSpec)));
      return new TestdiskFixture(source, resources);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes {@code disk0.raw} and so on into {@code folder}: random data from {@code seed} in every
   * other MiB, zeros (holes after conversion) in between.
   */
  static void writeDisks(Path folder, long[] sizes, long seed) throws IOException {
    Files.createDirectories(folder);
    Random random = new Random(seed);
    for (int i = 0; i < sizes.length; i++) {
      byte[] data = new byte[(int) sizes[i]];
      for (int offset = 0; offset < data.length; offset += 2 << 20) {
        byte[] chunk = new byte[Math.min(1 << 20, data.length - offset)];
        random.nextBytes(chunk);
        System.arraycopy(chunk, 0, data, offset, chunk.length);
      }
      Files.write(folder.resolve("disk" + i + ".raw"), data);
    }
  }

  /** Replaces {@code from}, which must be in the resources file, with {@code to}. */
  void rewrite(String from, String to) throws IOException {
    String text = Files.readString(resources);
    if (!text.contains(from)) {
      throw new IllegalArgumentException("'" + from + "' is not in " + resources + ":\n" + text);
    }
    Files.writeString(resources, text.replace(from, to));
  }

  static String yaml(Path source, String extraSourceSpec) {
    return """
        apiVersion: v1
        kind: Secret
        metadata:
          name: testdisk-credentials
          namespace: default
        stringData:
          token: test-token
        ---
        apiVersion: migration.harvesterhci.io/v1beta1
        kind: TestdiskSource
        metadata:
          name: lab
          namespace: default
        spec:
          path: %s
          vmName: %s
          cpus: 4
          coresPerSocket: 2
          memoryMiB: 1536
          credentials:
            name: testdisk-credentials
            namespace: default
        %s
        ---
        apiVersion: migration.harvesterhci.io/v1beta1
        kind: VirtualMachineImport
        metadata:
          name: %s
          namespace: default
        spec:
          virtualMachineName: %s
          sourceCluster:
            apiVersion: migration.harvesterhci.io/v1beta1
            kind: TestdiskSource
            name: lab
            namespace: default
          networkMapping:
          - sourceNetwork: testnet
            destinationNetwork: default/vlan1
        """
        .formatted(source, VM, extraSourceSpec.indent(2).stripTrailing(), IMPORT, VM);
  }
}
