package io.vmimport.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmimport.examples.directory.DirectorySourceProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The packaged operator (the image's layout: the jar with lib/ beside it) starts from its jar. */
class OperatorJarIT {
  @Test
  void theJarRunsAndRefusesAWrongSettingNamingIt() throws Exception {
    Path jar = Path.of("target", "vmimport-operator.jar");
    assertThat(jar).exists();
    assertThat(Path.of("target", "lib")).isDirectory();
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString())
            .redirectErrorStream(true);
    builder.environment().put("VMIMPORT_LEADER_ELECTION", "false");
    builder.environment().put("VMIMPORT_MAX_PARALLEL_DISKS", "many");
    Process process = builder.start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(output).isEqualTo(2);
    assertThat(output).contains("VMIMPORT_MAX_PARALLEL_DISKS").contains("many");
    assertThat(Files.list(Path.of("target", "lib")).map(p -> p.getFileName().toString()))
        .as("runtime libraries in the image")
        .anyMatch(n -> n.startsWith("provider-vmware"))
        .anyMatch(n -> n.startsWith("provider-openstack"))
        .anyMatch(n -> n.startsWith("logstash-logback-encoder"));
  }

  @Test
  void withoutAReachableApiServerItSaysWhatToCheckAndExits() throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                Path.of("target", "vmimport-operator.jar").toString())
            .redirectErrorStream(true);
    builder.environment().put("VMIMPORT_LEADER_ELECTION", "false");
    builder
        .environment()
        .put("VMIMPORT_SCRATCH_DIR", Path.of("target", "jar-it-scratch").toString());
    builder.environment().put("VMIMPORT_IMAGE_SERVER_PORT", "0");
    builder.environment().put("VMIMPORT_HTTP_PORT", "0");
    builder.environment().put("VMIMPORT_PROBE_PORT", "0");
    // nothing listens on port 1; no retries, so the failure comes at once
    builder.environment().put("KUBERNETES_MASTER", "https://127.0.0.1:1");
    builder.environment().put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
    builder.environment().put("KUBERNETES_REQUEST_RETRY_BACKOFFLIMIT", "0");
    Process process = builder.start();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("exited").isTrue();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(output).isEqualTo(1);
    assertThat(output)
        .contains("cannot start")
        .contains("https://127.0.0.1:1")
        .contains("CRDs are installed");
  }

  /**
   * The image's command line (the Dockerfile's ENTRYPOINT, its paths mapped to target/) puts the
   * jars of the plugins folder on the class path: the example provider's jar copied there is found
   * with its CRD before the operator first calls the API server.
   */
  @Test
  void theImagesCommandServesTheKindOfAJarInItsPluginsFolder() throws Exception {
    Path plugin =
        Path.of(
            DirectorySourceProvider.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
    assertThat(plugin.toString()).as("the examples module as a jar").endsWith(".jar");
    Path plugins = Files.createDirectories(Path.of("target", "jar-it-plugins"));
    Files.copy(
        plugin, plugins.resolve("directory-provider.jar"), StandardCopyOption.REPLACE_EXISTING);
    String entrypoint =
        Files.readAllLines(Path.of("Dockerfile")).stream()
            .filter(line -> line.startsWith("ENTRYPOINT "))
            .findFirst()
            .orElseThrow();
    List<String> command = new ArrayList<>();
    for (String word :
        new ObjectMapper()
            .readValue(entrypoint.substring("ENTRYPOINT ".length()), String[].class)) {
      command.add(
          word.replace("/opt/vmimport/plugins/", plugins + "/")
              .replace("/opt/vmimport/", "target/"));
    }
    command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("VMIMPORT_LEADER_ELECTION", "false");
    builder
        .environment()
        .put("VMIMPORT_SCRATCH_DIR", Path.of("target", "jar-it-scratch").toString());
    builder.environment().put("VMIMPORT_IMAGE_SERVER_PORT", "0");
    builder.environment().put("VMIMPORT_HTTP_PORT", "0");
    builder.environment().put("VMIMPORT_PROBE_PORT", "0");
    builder.environment().put("KUBERNETES_MASTER", "https://127.0.0.1:1");
    builder.environment().put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
    builder.environment().put("KUBERNETES_REQUEST_RETRY_BACKOFFLIMIT", "0");
    Process process = builder.start();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("exited").isTrue();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(output).isEqualTo(1);
    assertThat(output)
        .contains("serving DirectorySource of provider")
        .contains("META-INF/vmimport/crds/directory.yaml")
        .contains("cannot start");
  }
}
