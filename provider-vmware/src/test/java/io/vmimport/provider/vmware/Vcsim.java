package io.vmimport.provider.vmware;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A vcsim process on 127.0.0.1, built by test-peer/vcsim/build-vcsim.sh (idempotent) and stopped by
 * its PID in {@link #close()}.
 */
final class Vcsim implements AutoCloseable {
  private static final Pattern URL_LINE =
      Pattern.compile("GOVC_URL=(https://\\S+@127\\.0\\.0\\.1:(\\d+)/sdk)");
  private static boolean built;

  private final Process process;
  private final int port;
  private final String govcUrl;
  private final Map<String, String> govcEnv;

  private Vcsim(Process process, int port, String govcUrl, Map<String, String> govcEnv) {
    this.process = process;
    this.port = port;
    this.govcUrl = govcUrl;
    this.govcEnv = govcEnv;
  }

  static Path workDir() {
    return Path.of(
        System.getProperty("vcsim.workdir", System.getProperty("user.home") + "/.cache/vcsim"));
  }

  static Path bin(String name) {
    return workDir().resolve("bin").resolve(name);
  }

  /** Builds vcsim and govc once per JVM (the script returns at once when they are up to date). */
  static synchronized void build() throws IOException, InterruptedException {
    if (built) {
      return;
    }
    Path script =
        Path.of(System.getProperty("vcsim.script", "test-peer/vcsim/build-vcsim.sh"))
            .toAbsolutePath();
    assertThat(script).as("vcsim build script").exists();
    // the script's output goes to a file: a forked test JVM must not write to its own stdout
    Path log = workDir().resolve("build-vcsim.log");
    Files.createDirectories(workDir());
    Process build =
        new ProcessBuilder("bash", script.toString(), workDir().toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!build.waitFor(15, TimeUnit.MINUTES)) {
      build.destroyForcibly();
      throw new IllegalStateException("building vcsim took longer than 15 minutes; see " + log);
    }
    assertThat(build.exitValue())
        .as("exit code of %s; its output:%n%s", script, Files.readString(log))
        .isZero();
    built = true;
  }

  /** Starts vcsim with its default inventory plus {@code extraArgs}. */
  static Vcsim start(String... extraArgs) throws IOException, InterruptedException {
    return start(Map.of(), extraArgs);
  }

  static Vcsim start(Map<String, String> govcEnv, String... extraArgs)
      throws IOException, InterruptedException {
    build();
    List<String> command = new ArrayList<>(List.of(bin("vcsim").toString(), "-l", "127.0.0.1:0"));
    command.addAll(List.of(extraArgs));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException e) {
                lines.add("(vcsim output ended: " + e.getMessage() + ")");
              }
            },
            "vcsim-output");
    reader.setDaemon(true);
    reader.start();
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    List<String> seen = new ArrayList<>();
    while (Instant.now().isBefore(deadline)) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line == null) {
        if (!process.isAlive()) {
          break;
        }
        continue;
      }
      seen.add(line);
      Matcher matcher = URL_LINE.matcher(line);
      if (matcher.find()) {
        return new Vcsim(process, Integer.parseInt(matcher.group(2)), matcher.group(1), govcEnv);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException(
        "vcsim did not print its GOVC_URL within 60 s; output: " + seen);
  }

  int port() {
    return port;
  }

  String endpoint() {
    return "https://127.0.0.1:" + port + "/sdk";
  }

  long pid() {
    return process.pid();
  }

  /** Runs govc against this simulator and returns its standard output. */
  String govc(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(bin("govc").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("GOVC_URL", govcUrl);
    if (govcEnv.isEmpty()) {
      builder.environment().put("GOVC_INSECURE", "1");
    }
    builder.environment().putAll(govcEnv);
    Path err = Files.createTempFile("govc", ".err");
    try {
      Process govc = builder.redirectError(err.toFile()).start();
      String out = new String(govc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!govc.waitFor(2, TimeUnit.MINUTES)) {
        govc.destroyForcibly();
        throw new IllegalStateException("govc " + args[0] + " did not finish in 2 minutes");
      }
      if (govc.exitValue() != 0) {
        throw new IllegalStateException(
            "govc " + String.join(" ", args) + " failed: " + Files.readString(err) + out);
      }
      return out;
    } finally {
      Files.deleteIfExists(err);
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
