package io.vmimport.provider.openstack;

import static org.junit.jupiter.api.Assertions.fail;

import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.SourceSpec;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local OpenStack of test-peer/openstack for the {@code *IT} tier: installed, started and
 * demo-seeded once per test JVM by the first IT class that needs it, and stopped when the JUnit run
 * ends (also after failures) - unless it was already running, then it is reused and left running.
 */
public final class LocalOpenstackCloud implements BeforeAllCallback {
  private static final Logger LOG = LoggerFactory.getLogger(LocalOpenstackCloud.class);
  static final String KEYSTONE = "http://127.0.0.1:5000/v3";
  static final String KEYSTONE_TLS = "https://127.0.0.1:5001/v3";
  static final String PASSWORD = "secret";

  /** Where the cloud keeps its state; {@code base.raw} is the content of the demo image. */
  public static Path dir() {
    return Path.of(System.getProperty("osci.dir", "/tmp/osci"));
  }

  static Path script() {
    return Path.of(System.getProperty("osci.script", "test-peer/openstack/setup-openstack.sh"));
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    context
        .getRoot()
        .getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(LocalOpenstackCloud.class, key -> bringUp(), Running.class);
  }

  /** Stops the cloud at the end of the run if this JVM started it. */
  private record Running(boolean startedHere)
      implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    @Override
    public void close() throws Exception {
      if (startedHere) {
        LOG.info("stopping the local OpenStack");
        run(List.of("bash", script().toString(), "stop"), 300);
      }
    }
  }

  private static Running bringUp() {
    try {
      if (keystoneAnswers() && Files.exists(dir().resolve("importer-openrc"))) {
        LOG.info("reusing the running local OpenStack in {}", dir());
        return new Running(false);
      }
      if (!Files.exists(Path.of("/usr/bin/keystone-manage"))) {
        run(List.of("bash", script().toString(), "install"), 1200);
      }
      // always from empty databases: a cloud stopped earlier on this machine left servers that
      // Nova's fake hypervisor forgot (they could no longer be snapshotted), and a machine image
      // with the packages installed may carry databases from another run (a CI machine once had a
      // catalog without the volumev3 endpoints)
      run(List.of("bash", script().toString(), "reset"), 600);
      run(List.of("bash", script().toString(), "start"), 900);
      run(List.of("bash", script().toString(), "demo"), 900);
      if (!keystoneAnswers()) {
        fail("the local OpenStack started but Keystone does not answer on " + KEYSTONE);
      }
      return new Running(true);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the local OpenStack", e);
    }
  }

  static boolean keystoneAnswers() {
    try {
      HttpURLConnection connection =
          (HttpURLConnection) URI.create(KEYSTONE).toURL().openConnection();
      connection.setConnectTimeout(2000);
      connection.setReadTimeout(5000);
      return connection.getResponseCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /** Runs a command with the admin credentials; returns stdout. Fails the test on exit != 0. */
  static String run(List<String> command, long timeoutSeconds) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("OSCI_DIR", dir().toString());
    Path output = Files.createTempFile("osci-cmd", ".out");
    builder.redirectOutput(output.toFile());
    Process process = builder.start();
    try {
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail(command + " did not finish in " + timeoutSeconds + " s: " + Files.readString(output));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException("interrupted", e);
    }
    String text = Files.readString(output, StandardCharsets.UTF_8);
    Files.delete(output);
    if (process.exitValue() != 0) {
      fail(command + " exited with " + process.exitValue() + ":\n" + text);
    }
    return text;
  }

  /** Runs the {@code openstack} CLI as admin (the independent view of the cloud). */
  static String openstack(String... args) throws IOException {
    return openstackAs("admin-openrc", args);
  }

  static String openstackAs(String openrc, String... args) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                "bash",
                "-c",
                ". \"$0\" && exec openstack \"$@\"",
                dir().resolve(openrc).toString()));
    command.addAll(List.of(args));
    return run(command, 180).strip();
  }

  /**
   * A copy of what the boot volume of {@code server} holds now, taken before an import so that it
   * can be compared with what the import delivers. The demo step makes the volume from {@code
   * base.raw}, but ITs sharing a running cloud write into it (so a zero-filled export cannot pass),
   * so the demo image is not what the volume holds after them.
   */
  public static Path copyOfBootVolume(String server, Path into) throws IOException {
    String volumeId = null;
    java.util.regex.Matcher ids =
        java.util.regex.Pattern.compile("'id': '([0-9a-f-]+)'")
            .matcher(openstack("server", "show", server, "-f", "value", "-c", "volumes_attached"));
    while (ids.find() && volumeId == null) {
      String attachments =
          openstack("volume", "show", ids.group(1), "-f", "value", "-c", "attachments");
      if (attachments.contains("'device': '/dev/sda'")
          || attachments.contains("'device': '/dev/vda'")) {
        volumeId = ids.group(1);
      }
    }
    if (volumeId == null) {
      fail("server " + server + " has no boot volume in the local OpenStack");
    }
    Path copy = into.resolve(server + "-boot-volume.raw");
    // sparse, as the volume file is: a plain copy would write the whole GiB
    run(
        List.of(
            "cp",
            "--sparse=always",
            dir().resolve("cinder-vols/volume-" + volumeId).toString(),
            copy.toString()),
        120);
    return copy;
  }

  /**
   * Every snapshot, volume and image an export made (named {@code vmimport-...}) in the cloud,
   * across projects.
   */
  public static Set<String> temporaryArtifacts() {
    try {
      Set<String> found = new TreeSet<>();
      for (String line :
          openstack(
                  "volume",
                  "snapshot",
                  "list",
                  "--all-projects",
                  "-f",
                  "value",
                  "-c",
                  "ID",
                  "-c",
                  "Name")
              .split("\n")) {
        if (line.contains("vmimport-")) found.add("snapshot " + line);
      }
      for (String line :
          openstack("volume", "list", "--all-projects", "-f", "value", "-c", "ID", "-c", "Name")
              .split("\n")) {
        if (line.contains("vmimport-")) found.add("volume " + line);
      }
      for (String line :
          openstack("image", "list", "-f", "value", "-c", "ID", "-c", "Name").split("\n")) {
        if (line.contains("vmimport-")) found.add("image " + line);
      }
      return found;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The admin of the demo cloud (project admin, domain Default), as a source. */
  public static SourceSpec admin() {
    return source(KEYSTONE, credentials("admin", PASSWORD, "admin", "Default"));
  }

  static SourceSpec importer() {
    return source(KEYSTONE, credentials("importer", PASSWORD, "imports", "acme"));
  }

  static Map<String, String> credentials(
      String user, String password, String project, String domain) {
    Map<String, String> data = new HashMap<>();
    data.put("username", user);
    data.put("password", password);
    data.put("project_name", project);
    data.put("domain_name", domain);
    return data;
  }

  static SourceSpec source(String endpoint, Map<String, String> credentials) {
    return source(endpoint, "RegionOne", credentials);
  }

  /**
   * A source of this cloud, opted in to plain HTTP: its catalog publishes http:// endpoints only
   * (also when Keystone is reached over https on 5001), which the provider refuses otherwise.
   */
  static SourceSpec source(String endpoint, String region, Map<String, String> credentials) {
    Map<String, String> settings = new HashMap<>(settingsWithoutOptIn(endpoint, region));
    settings.put("insecurePlainHTTP", "true");
    return new SourceSpec(
        OpenstackSourceProvider.KIND,
        "default",
        "local-openstack",
        settings,
        new Credentials("default/local-openstack-credentials", credentials));
  }

  /** A source of this cloud without the opt-in to plain HTTP: refused, as a user's would be. */
  static SourceSpec sourceWithoutOptIn(String endpoint, Map<String, String> credentials) {
    return new SourceSpec(
        OpenstackSourceProvider.KIND,
        "default",
        "local-openstack",
        settingsWithoutOptIn(endpoint, "RegionOne"),
        new Credentials("default/local-openstack-credentials", credentials));
  }

  private static Map<String, String> settingsWithoutOptIn(String endpoint, String region) {
    return Map.of(
        "endpoint",
        endpoint,
        "region",
        region,
        "uploadImageRetryCount",
        "300",
        "uploadImageRetryDelay",
        "2");
  }
}
