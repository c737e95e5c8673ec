package io.vmimport.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vmimport.cli.CliRunner.Result;
import io.vmimport.core.ProviderRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands end to end in this JVM, with the testdisk provider; no import runs here. */
class CommandLineTest {
  /** Where the testdisk VM's NIC goes with the fixture's network mapping. */
  static final String NIC_LINE =
      "  nic-0 (52:54:00:00:00:01, e1000) on 'testnet' -> default/vlan1\n";

  @TempDir Path dir;
  Path out;
  TestdiskFixture fixture;

  @BeforeEach
  void setUp() {
    out = dir.resolve("out");
    fixture = TestdiskFixture.create(dir, new long[] {3 << 20, 1 << 20});
  }

  @Test
  void helpDocumentsTheCommandsAndExitCodes() {
    Result result = CliRunner.run("--help");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out())
        .contains("import", "inspect", "validate", "Exit codes:", "130", "bad input");
    Result importHelp = CliRunner.run("import", "--help");
    assertThat(importHelp.out())
        .contains("--output-dir", "--scratch-dir", "--format", "--parallel-disks", "--import")
        .contains("Resumable", "Exit codes:");
  }

  @Test
  void versionIsTheProjectVersion() {
    Result result = CliRunner.run("--version");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).startsWith("vmimport ").doesNotContain("${project.version}");
  }

  @Test
  void usageErrorsAreBadInput() {
    Result result = CliRunner.run("import", "--output-dir", out.toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("Missing required option: '--file=FILE'");
    assertThat(CliRunner.run("import", "-f", "x", "--output-dir", "o", "--format", "vmdk").err())
        .contains("--format: 'vmdk' is not one of [qcow2, raw]");
  }

  @Test
  void aMissingFileIsBadInput() {
    assertBadInput(
        CliRunner.run("import", "-f", dir.resolve("nope.yaml").toString(), "--output-dir", o()),
        dir.resolve("nope.yaml") + ": cannot read: java.nio.file.NoSuchFileException");
  }

  @Test
  void malformedYamlIsBadInput() throws IOException {
    Files.writeString(fixture.resources, Files.readString(fixture.resources) + "---\nkind: [\n");

    assertBadInput(runImport(), fixture.resources + ": malformed YAML in document 4 at line");
  }

  @Test
  void aMissingSecretIsBadInput() throws IOException {
    rewrite(
        "name: testdisk-credentials\n  namespace: default\nstringData",
        "name: other\n  namespace: default\nstringData");

    assertBadInput(
        runImport(),
        fixture.resources
            + ": TestdiskSource default/lab: spec.credentials: Secret default/testdisk-credentials"
            + " is not in "
            + fixture.resources);
  }

  @Test
  void aMissingSecretKeyIsBadInput() throws IOException {
    rewrite("token: test-token", "tokn: test-token");

    Result result = runImport();

    assertBadInput(
        result,
        fixture.resources
            + ": VirtualMachineImport default/test-import: Secret"
            + " default/testdisk-credentials has no key 'token'");
  }

  @Test
  void anUnknownKindIsBadInput() throws IOException {
    Files.writeString(
        fixture.resources,
        Files.readString(fixture.resources)
            + "---\napiVersion: example.com/v1\nkind: Foo\nmetadata: {name: foo}\n");

    assertBadInput(
        runImport(),
        fixture.resources
            + ": unknown kind 'Foo' in document 4; expected Secret, VirtualMachineImport or a"
            + " *Source kind");
  }

  @Test
  void aBadEnumValueIsBadInput() throws IOException {
    rewrite(
        "  virtualMachineName: test-vm",
        "  virtualMachineName: test-vm\n  defaultDiskBusType: ide");

    assertBadInput(
        runImport(),
        fixture.resources
            + ": VirtualMachineImport default/test-import: spec.defaultDiskBusType: 'ide' is not"
            + " one of [virtio, sata, scsi, usb]");
  }

  @Test
  void aWrongTypeIsBadInput() throws IOException {
    rewrite(
        "  virtualMachineName: test-vm",
        "  virtualMachineName: test-vm\n  forcePowerOff: \"true\"");

    assertBadInput(
        runImport(),
        fixture.resources
            + ": VirtualMachineImport default/test-import: spec.forcePowerOff: expected a boolean"
            + " (true or false), got string 'true'");
  }

  @Test
  void aBadBase64ValueIsBadInput() throws IOException {
    rewrite("stringData:\n  token: test-token", "data:\n  token: '%%%'");

    assertBadInput(
        runImport(),
        fixture.resources + ": Secret default/testdisk-credentials: data.token: not valid base64");
  }

  @Test
  void aSourceKindWithoutProviderIsBadInput() throws IOException {
    // a kind of the group that no provider on the class path serves; the message lists those that
    // do
    rewrite("kind: TestdiskSource\nmetadata", "kind: HypervSource\nmetadata");
    rewrite("    kind: TestdiskSource", "    kind: HypervSource");

    assertBadInput(
        runImport(),
        fixture.resources
            + ": HypervSource default/lab: kind: unknown source kind 'hyperv'; available: ["
            + String.join(", ", ProviderRegistry.load().kinds())
            + "]");
    assertThat(ProviderRegistry.load().kinds()).contains("testdisk", "vmware", "ova");
  }

  @Test
  void anUnknownImportNameIsBadInput() {
    assertBadInput(
        CliRunner.run(
            "import", "-f", fixture.resources.toString(), "--output-dir", o(), "--import", "x"),
        fixture.resources
            + ": no VirtualMachineImport named 'x'; the file has [default/test-import]");
  }

  @Test
  void rejectedCredentialsExitWith3() throws IOException {
    rewrite("token: test-token", "token: wrong-token-42");

    Result result = runImport();

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(3);
    assertThat(result.err())
        .contains(
            "VirtualMachineImport default/test-import: source lab rejected the token",
            "(AUTHENTICATION_FAILED)");
    assertThat(out).doesNotExist();
  }

  @Test
  void inspectPrintsTheNeutralVmAsJson() throws IOException {
    Result result = CliRunner.run("inspect", "-f", fixture.resources.toString(), "-o", "json");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    JsonNode vm = new ObjectMapper().readTree(result.out());
    assertThat(vm.fieldNames())
        .toIterable()
        .containsExactly(
            "name",
            "id",
            "cpu",
            "memoryMiB",
            "firmware",
            "disks",
            "nics",
            "description",
            "guestOs",
            "exportHost");
    assertThat(vm.get("name").asText()).isEqualTo("test-vm");
    assertThat(vm.get("id").asText()).isEqualTo("testdisk-test-vm");
    assertThat(vm.get("cpu").toString())
        .isEqualTo("{\"sockets\":2,\"coresPerSocket\":2,\"vcpus\":4}");
    assertThat(vm.get("memoryMiB").asLong()).isEqualTo(1536);
    assertThat(vm.get("firmware").toString())
        .isEqualTo("{\"type\":\"bios\",\"secureBoot\":false,\"tpm\":false}");
    assertThat(vm.get("disks").toString())
        .isEqualTo(
            "[{\"index\":0,\"key\":\"disk0.raw\",\"name\":\"disk0.raw\",\"capacityBytes\":3145728,"
                + "\"bus\":\"virtio\",\"bootOrder\":1},"
                + "{\"index\":1,\"key\":\"disk1.raw\",\"name\":\"disk1.raw\",\"capacityBytes\":1048576,"
                + "\"bus\":null,\"bootOrder\":null}]");
    assertThat(vm.get("nics").toString())
        .isEqualTo(
            "[{\"index\":0,\"macAddress\":\"52:54:00:00:00:01\",\"model\":\"e1000\","
                + "\"network\":\"testnet\"}]");
    assertThat(vm.get("description").asText()).isEqualTo("a VM of the testdisk provider");
    assertThat(vm.get("guestOs").isNull()).isTrue();
    assertThat(vm.get("exportHost").isNull()).as("read from the source's endpoint").isTrue();
  }

  @Test
  void inspectPrintsYamlByDefault() throws IOException {
    Result result = CliRunner.run("inspect", "-f", fixture.resources.toString());

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out()).doesNotStartWith("---").contains("memoryMiB: 1536");
    JsonNode vm = new YAMLMapper().readTree(result.out());
    assertThat(vm.get("disks").get(1).get("bootOrder").isNull()).isTrue();
  }

  @Test
  void inspectOfAMissingVmFails() throws IOException {
    rewrite("  virtualMachineName: test-vm", "  virtualMachineName: nope");

    Result result = CliRunner.run("inspect", "-f", fixture.resources.toString());

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
    assertThat(result.err())
        .isEqualTo(
            fixture.resources
                + ": VirtualMachineImport default/test-import: VM 'nope' not found; available:"
                + " [test-vm] (NOT_FOUND)\n");
  }

  @Test
  void validateSaysValid() {
    Result result =
        CliRunner.run("validate", "-f", fixture.resources.toString(), "--output-dir", o());

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out()).isEqualTo("default/test-import: valid\n" + NIC_LINE);
    assertThat(out).doesNotExist();
  }

  @Test
  void validateRejectsAMappingThatMatchesNoNicListingTheVmsNetworks() throws IOException {
    rewrite("- sourceNetwork: testnet", "- sourceNetwork: test-net");

    Result result = CliRunner.run("validate", "-f", fixture.resources.toString());

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
    assertThat(result.out())
        .isEqualTo(
            "default/test-import: ERROR spec.networkMapping[0].sourceNetwork: 'test-net' matches no"
                + " NIC of the VM; the VM's networks are 'testnet' (INVALID_SPEC)\n");
  }

  @Test
  void validatePrintsErrorsWithTheirFieldAndExitsAsBadInput() throws IOException {
    rewrite(
        "  - sourceNetwork: testnet\n    destinationNetwork: default/vlan1",
        "  - sourceNetwork: testnet\n    destinationNetwork: a/b/c");

    Result result = CliRunner.run("validate", "-f", fixture.resources.toString());

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
    assertThat(result.out())
        .startsWith("default/test-import: ERROR spec.networkMapping[0].destinationNetwork: ")
        .doesNotContain("valid\n");
  }

  /**
   * Issue #14: a script that runs {@code validate} before {@code import} sees the same exit code
   * for the same mistake from both.
   */
  @Test
  void validateAndImportExitWithTheSameCodeForTheSameMistake() throws IOException {
    String mapping = "  - sourceNetwork: testnet\n    destinationNetwork: default/vlan1";
    for (String mistake :
        List.of(
            "  - sourceNetwork: test-net\n    destinationNetwork: default/vlan1",
            "  - sourceNetwork: testnet\n    destinationNetwork: a/b/c",
            "  - sourceNetwork: testnet\n    destinationNetwork: default/vlan1\n"
                + "  - sourceNetwork: other\n    destinationNetwork: default/vlan1")) {
      rewrite(mapping, mistake);

      Result validate = CliRunner.run("validate", "-f", fixture.resources.toString());
      Result imported = runImport();

      assertThat(validate.exitCode()).as(validate.toString()).isNotZero();
      assertThat(validate.exitCode())
          .as(mistake + "\nvalidate: " + validate + "\nimport: " + imported)
          .isEqualTo(imported.exitCode());
      rewrite(mistake, mapping);
    }
  }

  @Test
  void validateChecksEveryImportAndInspectNeedsAChoice() throws IOException {
    addSecondImport(fixture.resources);

    Result validate = CliRunner.run("validate", "-f", fixture.resources.toString());
    Result inspect = CliRunner.run("inspect", "-f", fixture.resources.toString());
    Result chosen =
        CliRunner.run(
            "inspect",
            "-f",
            fixture.resources.toString(),
            "--import",
            "default/second",
            "-o",
            "json");

    assertThat(validate.exitCode()).as(validate.toString()).isZero();
    assertThat(validate.out())
        .isEqualTo(
            "default/test-import: valid\n" + NIC_LINE + "default/second: valid\n" + NIC_LINE);
    assertBadInput(
        inspect,
        fixture.resources
            + ": has 2 VirtualMachineImports [default/test-import, default/second]; choose one"
            + " with --import");
    assertThat(chosen.exitCode()).as(chosen.toString()).isZero();
  }

  @Test
  void aFileOverTheSizeLimitIsRefusedBeforeParsing() throws IOException {
    // 20 MB of one import with many network mappings: well-formed, only too big
    Path big = dir.resolve("big.yaml");
    try (var writer = Files.newBufferedWriter(big)) {
      writer.write(Files.readString(fixture.resources));
      String mapping = "  - sourceNetwork: net\n    destinationNetwork: default/vlan1\n";
      for (long written = 0; written < 20_000_000; written += mapping.length()) {
        writer.write(mapping);
      }
    }

    Result result =
        assertTimeoutPreemptively(
            Duration.ofSeconds(2), () -> CliRunner.run("validate", "-f", big.toString()));

    assertBadInput(
        result,
        big
            + ": larger than 1 MiB, the limit for a resources file; split it, or choose the"
            + " import with --import in a file of its own");
  }

  @Test
  void anEndlessFileIsRefusedWithoutRunningOutOfMemory() {
    assumeTrue(Files.isReadable(Path.of("/dev/zero")), "no /dev/zero here");

    Result result =
        assertTimeoutPreemptively(
            Duration.ofSeconds(2), () -> CliRunner.run("validate", "-f", "/dev/zero"));

    assertBadInput(result, "/dev/zero: larger than 1 MiB, the limit for a resources file");
  }

  /** A VM name from the source with terminal controls cannot forge or erase an output line. */
  @Test
  void controlCharactersFromTheSourceAreEscapedOnStderr() throws IOException {
    rewrite("vmName: " + TestdiskFixture.VM, "vmName: \"web\\e[2K\\rvalid\\nforged\"");

    Result result = CliRunner.run("inspect", "-f", fixture.resources.toString());

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
    assertThat(result.err())
        .isEqualTo(
            fixture.resources
                + ": VirtualMachineImport default/test-import: VM 'test-vm' not found; available:"
                + " [web\\u001b[2K\\rvalid\\nforged] (NOT_FOUND)\n");
  }

  /** inspect's JSON and YAML writers escape a hostile name themselves. */
  @Test
  void inspectOutputEscapesControlCharacters() throws IOException {
    String hostile = "\"web\\e[2K\\rvalid\\nforged\"";
    rewrite("vmName: " + TestdiskFixture.VM, "vmName: " + hostile);
    rewrite("virtualMachineName: " + TestdiskFixture.VM, "virtualMachineName: " + hostile);

    for (String format : new String[] {"json", "yaml"}) {
      Result result = CliRunner.run("inspect", "-f", fixture.resources.toString(), "-o", format);

      assertThat(result.exitCode()).as(result.toString()).isZero();
      assertThat(result.out()).doesNotContain("\u001b", "\r").contains("web\\");
      assertThat(result.out().lines()).noneMatch(line -> line.startsWith("forged"));
      JsonNode vm =
          (format.equals("json") ? new ObjectMapper() : new YAMLMapper()).readTree(result.out());
      assertThat(vm.path("name").asText()).isEqualTo("web\u001b[2K\rvalid\nforged");
    }
  }

  @Test
  void unknownFieldsAreErrorsUnlessValidateIsWarn() throws IOException {
    rewrite(
        "  virtualMachineName: " + TestdiskFixture.VM,
        "  virtualMachineName: " + TestdiskFixture.VM + "\n  forcePoweroff: true");

    Result strict =
        CliRunner.run("validate", "-f", fixture.resources.toString(), "--output-dir", o());
    Result warn =
        CliRunner.run(
            "validate", "-f", fixture.resources.toString(), "--validate=warn", "--output-dir", o());

    assertBadInput(
        strict,
        fixture.resources
            + ": VirtualMachineImport default/test-import: unknown field spec.forcePoweroff; known"
            + " fields: [");
    assertThat(strict.err()).contains("(--validate=warn ignores unknown fields with a warning)");
    assertThat(warn.exitCode()).as(warn.toString()).isZero();
    assertThat(warn.err())
        .startsWith(
            "warning: "
                + fixture.resources
                + ": VirtualMachineImport default/test-import: unknown field spec.forcePoweroff")
        .endsWith("(ignored)\n");
    assertThat(warn.out()).isEqualTo("default/test-import: valid\n" + NIC_LINE);
  }

  @Test
  void aSourceOfAnotherNamespaceNeedsTheFlag() throws IOException {
    // the Secret and the source move to namespace "lab"; the import stays in "default"
    rewrite("namespace: default", "namespace: lab");
    rewrite(
        "  name: " + TestdiskFixture.IMPORT + "\n  namespace: lab",
        "  name: " + TestdiskFixture.IMPORT + "\n  namespace: default");

    Result refused = CliRunner.run("validate", "-f", fixture.resources.toString());
    Result allowed =
        CliRunner.run(
            "validate",
            "-f",
            fixture.resources.toString(),
            "--allow-cross-namespace-sources",
            "--output-dir",
            o());

    assertBadInput(
        refused,
        fixture.resources
            + ": VirtualMachineImport default/test-import: spec.sourceCluster.namespace:"
            + " TestdiskSource lab/lab is in another namespace than the import ('default')");
    assertThat(refused.err()).contains("pass --allow-cross-namespace-sources to allow it");
    assertThat(allowed.exitCode()).as(allowed.toString()).isZero();
    assertThat(allowed.out()).isEqualTo("default/test-import: valid\n" + NIC_LINE);
  }

  /** Issue #14: the cluster's storage classes decide the images' backend, as online. */
  @Test
  void theClustersStorageClassesDecideTheBackendAndAnUnknownClassIsAnError() throws IOException {
    Path classes = dir.resolve("classes.yaml");
    Files.writeString(
        classes,
        """
        apiVersion: v1
        kind: List
        items:
        - apiVersion: storage.k8s.io/v1
          kind: StorageClass
          metadata:
            name: harvester-longhorn
            annotations:
              storageclass.kubernetes.io/is-default-class: "true"
          provisioner: driver.longhorn.io
        - apiVersion: storage.k8s.io/v1
          kind: StorageClass
          metadata:
            name: lvm-striped
          provisioner: lvm.driver.harvesterhci.io
        """);
    rewrite("  virtualMachineName: ", "  storageClass: fast\n  virtualMachineName: ");

    Result unknown =
        CliRunner.run(
            "validate",
            "-f",
            fixture.resources.toString(),
            "--storage-classes",
            classes.toString());
    rewrite("storageClass: fast", "storageClass: lvm-striped");
    Result imported =
        CliRunner.run(
            "import",
            "-f",
            fixture.resources.toString(),
            "--output-dir",
            o(),
            "--format",
            "raw",
            "--storage-classes",
            classes.toString());

    assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(2);
    assertThat(unknown.out())
        .isEqualTo(
            "default/test-import: ERROR spec.storageClass: storage class 'fast' is not in "
                + classes
                + "; it has [harvester-longhorn, lvm-striped] (INVALID_SPEC)\n");
    assertThat(imported.exitCode()).as(imported.toString()).isZero();
    String manifests =
        Files.readString(
            out.resolve("default").resolve(TestdiskFixture.IMPORT).resolve("manifests.yaml"));
    assertThat(manifests)
        .contains("backend: cdi", "targetStorageClassName: lvm-striped")
        .doesNotContain("kind: PersistentVolumeClaim");
  }

  @Test
  void aStorageClassesFileOfAnotherKindIsBadInput() throws IOException {
    Path classes = dir.resolve("classes.yaml");
    Files.writeString(classes, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");

    Result result =
        CliRunner.run(
            "validate",
            "-f",
            fixture.resources.toString(),
            "--storage-classes",
            classes.toString());

    assertBadInput(
        result,
        classes
            + ": document 1 is a 'ConfigMap', not a StorageClass or a List of them; write it with"
            + " 'kubectl get storageclass -o yaml'");
  }

  /** A second import of the fixture's VM, named {@code second}. */
  static void addSecondImport(Path resources) throws IOException {
    String text = Files.readString(resources);
    String importDocument = text.substring(text.lastIndexOf("---"));
    Files.writeString(
        resources,
        text + importDocument.replace("name: " + TestdiskFixture.IMPORT, "name: second"));
  }

  private Result runImport() {
    return CliRunner.run("import", "-f", fixture.resources.toString(), "--output-dir", o());
  }

  private String o() {
    return out.toString();
  }

  private void rewrite(String from, String to) throws IOException {
    String text = Files.readString(fixture.resources);
    assertThat(text).contains(from);
    Files.writeString(fixture.resources, text.replace(from, to));
  }

  /** Exit 2, one line on stderr starting with {@code line}, nothing on stdout or in the output. */
  private void assertBadInput(Result result, String line) {
    assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
    assertThat(result.err()).as(result.toString()).startsWith(line).endsWith("\n");
    assertThat(result.err().lines()).as(result.toString()).hasSize(1);
    assertThat(out).doesNotExist();
  }
}
