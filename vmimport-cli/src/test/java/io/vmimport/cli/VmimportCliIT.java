package io.vmimport.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmimport.api.convert.DiskConverter;
import io.vmimport.cli.CliRunner.Result;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmimport} end to end: the testdisk provider as the source, the real qemu-img converter, an
 * output directory; in this JVM, and once as the shaded jar in a process of its own for Ctrl-C.
 */
class VmimportCliIT {
  static final Path QEMU_IMG = Path.of("/usr/bin/qemu-img");
  static final Path SHADED_JAR = Path.of("target", "vmimport.jar");
  static final Path TEST_CLASSES = Path.of("target", "test-classes");
  static final long MIB = 1 << 20;

  @TempDir Path dir;

  @Test
  void importsToQcow2AndARerunFindsTheDisksDone() throws Exception {
    assumeTrue(Files.isExecutable(QEMU_IMG), "qemu-img is not installed at " + QEMU_IMG);
    assumeTrue(
        ServiceLoader.load(DiskConverter.class).findFirst().isPresent(),
        "no DiskConverter (converter-qemu) on the class path");
    TestdiskFixture fixture = TestdiskFixture.create(dir, new long[] {6 * MIB, 2 * MIB});
    Path out = dir.resolve("out");
    Path vmDir = out.resolve("default").resolve(TestdiskFixture.IMPORT);

    Result first = CliRunner.importInto(fixture.resources, out);

    assertThat(first.exitCode()).as(first.toString()).isZero();
    assertThat(first.out())
        .contains(
            "default/test-import: phase: virtualMachineImportValid",
            "default/test-import: condition: VMPoweredOff=True (AlreadyOff)",
            "default/test-import disk-0: exporting ",
            "default/test-import disk-0: exporting 100% (6.0 MiB of 6.0 MiB",
            "default/test-import disk-1: done (",
            "default/test-import: phase: diskImageSubmitted - 2 image(s) written\n",
            "default/test-import: phase: virtualMachineCreated - VM test-vm written, not created"
                + " in a cluster: "
                + vmDir.resolve("vm.json")
                + "\n",
            "  disk-0: " + vmDir.resolve("disk-0.qcow2"),
            "  disk-1: " + vmDir.resolve("disk-1.qcow2"),
            "default/test-import: virtualMachineCreated: written to "
                + vmDir
                + "; nothing is created in a cluster yet\n",
            "  VM description: " + vmDir.resolve("vm.json"),
            "  manifests: " + vmDir.resolve("images.yaml") + ", " + vmDir.resolve("manifests.yaml"),
            CommandLineTest.NIC_LINE,
            "  next: vmimport serve "
                + vmDir
                + ", then the kubectl commands in "
                + vmDir.resolve("README.md"))
        .as("raw exports are written straight into qcow2, without a qemu-img pass")
        .doesNotContain("converting")
        .as("nothing exists in a cluster, and no line says it does")
        .doesNotContain("submitted", "created:");
    assertThat(first.err()).isEmpty();
    assertSameContent(fixture.sourceDir.resolve("disk0.raw"), vmDir.resolve("disk-0.qcow2"));
    assertSameContent(fixture.sourceDir.resolve("disk1.raw"), vmDir.resolve("disk-1.qcow2"));
    assertThat(vmDir.resolve("manifests.yaml"))
        .as("Harvester objects to apply after uploading the disks")
        .content()
        .contains("kind: VirtualMachineImage", "kind: VirtualMachine", "disk-0.qcow2");
    assertThat(vmDir.resolve("README.md")).exists();
    JsonNode vm = new ObjectMapper().readTree(vmDir.resolve("vm.json").toFile());
    assertThat(vm.get("name").asText()).isEqualTo("test-vm");
    assertThat(vm.get("cpu").get("sockets").asInt()).isEqualTo(2);
    assertThat(vm.get("cpu").get("cores").asInt()).isEqualTo(2);
    assertThat(vm.get("cpu").get("threads").asInt()).isEqualTo(1);
    assertThat(vm.get("memoryMiB").asLong()).isEqualTo(1536);
    assertThat(vm.get("disks").findValuesAsText("file"))
        .containsExactly("disk-0.qcow2", "disk-1.qcow2");
    assertThat(out.resolve(".scratch")).doesNotExist();
    assertThat(fixture.sourceDir.resolve(TestDiskProvider.LEASE)).doesNotExist();

    Result second = CliRunner.importInto(fixture.resources, out);

    assertThat(second.exitCode()).as(second.toString()).isZero();
    assertThat(second.out())
        .contains(
            "default/test-import disk-0: done, converted by an earlier run (",
            "default/test-import disk-1: done, converted by an earlier run (",
            "default/test-import: virtualMachineCreated: written to ")
        .doesNotContain("exporting");
    assertSameContent(fixture.sourceDir.resolve("disk0.raw"), vmDir.resolve("disk-0.qcow2"));
  }

  @Test
  void aRunAfterACrashExportsOnlyTheDisksNotFinished() throws Exception {
    Path marker = Files.createFile(dir.resolve("fail-once"));
    TestdiskFixture fixture =
        TestdiskFixture.create(dir, new long[] {3 * MIB, 2 * MIB}, "failOnce: " + marker);
    Path out = dir.resolve("out");
    Path vmDir = out.resolve("default").resolve(TestdiskFixture.IMPORT);
    String[] command = {
      "import",
      "-f",
      fixture.resources.toString(),
      "--output-dir",
      out.toString(),
      "--format",
      "raw",
      "--parallel-disks",
      "1"
    };

    Result crashed = CliRunner.run(command);

    assertThat(crashed.exitCode()).as(crashed.toString()).isEqualTo(1);
    assertThat(crashed.err())
        .isEqualTo(
            fixture.resources
                + ": VirtualMachineImport default/test-import: simulated crash while exporting"
                + " disk1.raw (EXPORT_FAILED)\n");
    assertThat(crashed.out()).contains("default/test-import: phase: VMMigrationFailed");
    assertThat(vmDir.resolve("disk-0.raw")).exists();
    assertThat(vmDir.resolve("disk-1.raw")).doesNotExist();
    assertThat(fixture.sourceDir.resolve(TestDiskProvider.LEASE)).doesNotExist();

    Result resumed = CliRunner.run(command);

    assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
    assertThat(resumed.out())
        .contains(
            "default/test-import disk-0: done, converted by an earlier run (3.0 MiB)",
            "default/test-import disk-1: exporting ",
            "default/test-import disk-1: done (2.0 MiB)")
        .doesNotContain("disk-0: exporting");
    assertThat(Files.mismatch(fixture.sourceDir.resolve("disk0.raw"), vmDir.resolve("disk-0.raw")))
        .isEqualTo(-1);
    assertThat(Files.mismatch(fixture.sourceDir.resolve("disk1.raw"), vmDir.resolve("disk-1.raw")))
        .isEqualTo(-1);
  }

  @Test
  void importsEveryImportOfTheFile() throws Exception {
    TestdiskFixture fixture = TestdiskFixture.create(dir, new long[] {MIB});
    CommandLineTest.addSecondImport(fixture.resources);
    Path out = dir.resolve("out");

    Result result = CliRunner.importInto(fixture.resources, out, "--format", "raw");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out())
        .contains(
            "default/test-import: virtualMachineCreated: written to ",
            "default/second: virtualMachineCreated: written to ");
    for (String name : List.of(TestdiskFixture.IMPORT, "second")) {
      assertThat(
              Files.mismatch(
                  fixture.sourceDir.resolve("disk0.raw"),
                  out.resolve("default").resolve(name).resolve("disk-0.raw")))
          .isEqualTo(-1);
    }
  }

  @Test
  void aRerunForAnotherVmExportsThatVmsDisksInsteadOfTheEarlierOnes() throws Exception {
    // the repro: import a VM, change only virtualMachineName, run again
    TestdiskFixture fixture = TestdiskFixture.create(dir, new long[] {2 * MIB, MIB});
    Path otherVm = fixture.sourceDir.resolve("other-vm");
    TestdiskFixture.writeDisks(otherVm, new long[] {2 * MIB, MIB}, 7);
    fixture.rewrite("vmName: test-vm", "vmName: test-vm, other-vm");
    Path out = dir.resolve("out");
    Path vmDir = out.resolve("default").resolve(TestdiskFixture.IMPORT);
    String[] command = {
      "import",
      "-f",
      fixture.resources.toString(),
      "--output-dir",
      out.toString(),
      "--format",
      "raw"
    };
    Result first = CliRunner.run(command);
    assertThat(first.exitCode()).as(first.toString()).isZero();

    fixture.rewrite("  virtualMachineName: test-vm", "  virtualMachineName: other-vm");
    Result second = CliRunner.run(command);

    assertThat(second.exitCode()).as(second.toString()).isZero();
    assertThat(second.out())
        .as(second.toString())
        .doesNotContain("converted by an earlier run")
        .contains("default/test-import disk-0: exporting ", "default/test-import disk-1: done (");
    assertThat(second.err())
        .contains(
            "warning: default/test-import: disk-0: the file an earlier run converted ("
                + vmDir.resolve("disk-0.raw")
                + ") was exported from another disk: VM id 'testdisk-test-vm' (now"
                + " 'testdisk-other-vm'); exporting disk0.raw again\n",
            "warning: default/test-import: disk-1: ");
    assertThat(Files.mismatch(otherVm.resolve("disk0.raw"), vmDir.resolve("disk-0.raw")))
        .as("the output holds other-vm's disk")
        .isEqualTo(-1);
    assertThat(Files.mismatch(otherVm.resolve("disk1.raw"), vmDir.resolve("disk-1.raw")))
        .isEqualTo(-1);
  }

  @Test
  void importsOfOneNameInTwoNamespacesWriteToTwoFolders() throws Exception {
    TestdiskFixture fixture = TestdiskFixture.create(dir, new long[] {MIB});
    Path prodDisks = dir.resolve("prod-source");
    TestdiskFixture.writeDisks(prodDisks, new long[] {MIB}, 9);
    String defaultDocuments = Files.readString(fixture.resources);
    Files.writeString(
        fixture.resources,
        defaultDocuments
            + "---\n"
            + defaultDocuments
                .replace("namespace: default", "namespace: prod")
                .replace("path: " + fixture.sourceDir, "path: " + prodDisks));
    Path out = dir.resolve("out");

    Result result = CliRunner.importInto(fixture.resources, out, "--format", "raw");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out()).doesNotContain("converted by an earlier run");
    Path defaultDisk = out.resolve("default").resolve(TestdiskFixture.IMPORT).resolve("disk-0.raw");
    Path prodDisk = out.resolve("prod").resolve(TestdiskFixture.IMPORT).resolve("disk-0.raw");
    assertThat(Files.mismatch(fixture.sourceDir.resolve("disk0.raw"), defaultDisk)).isEqualTo(-1);
    assertThat(Files.mismatch(prodDisks.resolve("disk0.raw"), prodDisk)).isEqualTo(-1);
  }

  @Test
  void aMappingThatMatchesNoNicStopsTheImportBeforeItExports() throws Exception {
    TestdiskFixture fixture = TestdiskFixture.create(dir, new long[] {MIB});
    fixture.rewrite("- sourceNetwork: testnet", "- sourceNetwork: test-net");
    Path out = dir.resolve("out");

    Result result =
        runWithLog("import", "-f", fixture.resources.toString(), "--output-dir", out.toString());

    assertThat(result.err().split("'test-net' matches no NIC", -1))
        .as("said once: %s", result)
        .hasSize(2);
    assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(result.err())
        .contains(
            "VirtualMachineImport default/test-import: spec.networkMapping[0].sourceNetwork:"
                + " 'test-net' matches no NIC of the VM; the VM's networks are 'testnet'\n");
    assertThat(result.out()).doesNotContain("exporting", "pod network");
    assertThat(out.resolve("default").resolve(TestdiskFixture.IMPORT)).doesNotExist();
  }

  @Test
  void aWarningIsPrintedOnce() throws Exception {
    TestdiskFixture fixture =
        TestdiskFixture.create(dir, new long[] {MIB}, "preflightWarning: datastore is 91% full");
    Path out = dir.resolve("out");

    Result result =
        runWithLog("import", "-f", fixture.resources.toString(), "--output-dir", out.toString());

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.err().split("datastore is 91% full", -1))
        .as("said once: %s", result)
        .hasSize(2);
    assertThat(result.err()).contains("warning: default/test-import: datastore is 91% full");
  }

  /**
   * Runs vmimport as {@link CliRunner#run}, with what the engine logs through slf4j-simple (to
   * System.err, as in the shaded jar) added to the command's stderr, as a user sees both.
   */
  private static Result runWithLog(String... args) {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    Result result;
    try {
      result = CliRunner.run(args);
    } finally {
      System.setErr(original);
    }
    return new Result(
        result.exitCode(), result.out(), result.err() + log.toString(StandardCharsets.UTF_8));
  }

  @Test
  void theShadedJarInspectsWithProvidersFromTheClassPath() throws Exception {
    assumeTrue(Files.isRegularFile(SHADED_JAR), SHADED_JAR + " not built (run mvn verify)");
    TestdiskFixture fixture = TestdiskFixture.create(dir, new long[] {MIB});

    Process process = vmimport("inspect", "-f", fixture.resources.toString(), "-o", "json").start();
    CompletableFuture<String> stderr = drain(process.getErrorStream(), new ArrayList<>());
    String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(stderr.get()).isZero();
    JsonNode vm = new ObjectMapper().readTree(stdout);
    assertThat(vm.get("name").asText()).isEqualTo("test-vm");
    assertThat(vm.get("memoryMiB").asLong()).isEqualTo(1536);
    assertThat(vm.get("disks").get(0).get("capacityBytes").asLong()).isEqualTo(MIB);
  }

  @Test
  void ctrlCCancelsTheImportAndRemovesWhatItCreated() throws Exception {
    assumeTrue(Files.isRegularFile(SHADED_JAR), SHADED_JAR + " not built (run mvn verify)");
    TestdiskFixture fixture =
        TestdiskFixture.create(dir, new long[] {8 * MIB}, "bytesPerSecond: " + MIB);
    Path out = dir.resolve("out");

    Process process =
        vmimport(
                "import",
                "-f",
                fixture.resources.toString(),
                "--output-dir",
                out.toString(),
                "--format",
                "raw")
            .start();
    List<String> errLines = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<String> stderr = drain(process.getErrorStream(), errLines);
    List<String> outLines = Collections.synchronizedList(new ArrayList<>());
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        outLines.add(line);
        if (line.contains("disk-0: exporting")) {
          break;
        }
      }
      assertThat(line).as("stdout %s, stderr %s", outLines, errLines).isNotNull();
      assertThat(out.resolve("default").resolve(TestdiskFixture.IMPORT)).isDirectory();
      boolean sigintIgnored = sigintIgnored();
      interrupt(process, sigintIgnored);
      while ((line = lines.readLine()) != null) {
        outLines.add(line);
      }
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      // a JVM ended by a signal exits with 128 + its number; SIGINT is ignored when the build
      // runs in the background, then SIGTERM stands in for it (same shutdown hook)
      assertThat(process.exitValue())
          .as("stdout %s, stderr %s", outLines, stderr.get())
          .isEqualTo(sigintIgnored ? 143 : ExitCodes.CANCELLED);
    }

    assertThat(stderr.get())
        .contains("cancelling default/test-import: removing partial files and source artifacts")
        .contains("VirtualMachineImport default/test-import: import cancelled");
    assertThat(outLines).anyMatch(l -> l.contains("phase: VMMigrationFailed - cancelled"));
    try (Stream<Path> left = Files.walk(out)) {
      assertThat(left.filter(Files::isRegularFile)).isEmpty();
    }
    assertThat(fixture.sourceDir.resolve(TestDiskProvider.LEASE)).doesNotExist();
  }

  private static ProcessBuilder vmimport(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(SHADED_JAR + File.pathSeparator + TEST_CLASSES);
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  private static CompletableFuture<String> drain(InputStream stream, List<String> lines) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (BufferedReader reader =
              new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
              lines.add(line);
            }
            return String.join("\n", lines);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  private static void interrupt(Process process, boolean sigintIgnored)
      throws IOException, InterruptedException {
    // not Process.destroy(): it closes the streams whose last lines the test still reads
    String signal = sigintIgnored ? "-TERM" : "-INT";
    Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).start();
    assertThat(kill.waitFor()).isZero();
  }

  /** Whether this JVM, and so its children, ignore SIGINT (bit 2 of SigIgn). */
  private static boolean sigintIgnored() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return false;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseLong(line.substring("SigIgn:".length()).trim(), 16) & 0x2) != 0;
      }
    }
    return false;
  }

  private static void assertSameContent(Path raw, Path qcow2) throws Exception {
    byte[] header = new byte[4];
    try (var in = Files.newInputStream(qcow2)) {
      assertThat(in.read(header)).isEqualTo(4);
    }
    assertThat(header).as("qcow2 magic of " + qcow2).containsExactly('Q', 'F', 'I', 0xfb);
    Process compare =
        new ProcessBuilder(
                QEMU_IMG.toString(),
                "compare",
                "-f",
                "raw",
                "-F",
                "qcow2",
                raw.toString(),
                qcow2.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(compare.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(compare.waitFor()).as(output).isZero();
  }
}
