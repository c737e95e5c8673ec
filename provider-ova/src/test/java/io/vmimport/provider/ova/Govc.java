package io.vmimport.provider.ova;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * vcsim (the vSphere API simulator, patched to serve ExportVm) and govc, the binaries that
 * provider-vmware's {@code test-peer/vcsim/build-vcsim.sh} builds into {@code ~/.cache/vcsim/bin}
 * (property {@code vcsim.workdir}). One simulator per instance, stopped by its PID.
 */
final class Govc implements AutoCloseable {
  private static final Pattern URL_LINE =
      Pattern.compile("GOVC_URL=(https://[^\\s]+@127\\.0\\.0\\.1:(\\d+)/sdk)");
  private static final Path WORK_DIR =
      Path.of(
          System.getProperty("vcsim.workdir", System.getProperty("user.home") + "/.cache/vcsim"));
  private static final Path BUILD_SCRIPT =
      Path.of("..", "provider-vmware", "test-peer", "vcsim", "build-vcsim.sh");

  private final Process vcsim;
  private final String url;
  private final Path log;

  private Govc(Process vcsim, String url, Path log) {
    this.vcsim = vcsim;
    this.url = url;
    this.log = log;
  }

  /** Builds vcsim and govc when missing or stale (the script says), then starts vcsim. */
  static Govc start(Path work) throws IOException, InterruptedException {
    assumeTrue(
        Files.isRegularFile(BUILD_SCRIPT),
        "skipped: needs provider-vmware's " + BUILD_SCRIPT + " beside this module");
    Files.createDirectories(work);
    Path buildLog = work.resolve("build-vcsim.log");
    Process build =
        new ProcessBuilder("bash", BUILD_SCRIPT.toString(), WORK_DIR.toString())
            .redirectErrorStream(true)
            .redirectOutput(buildLog.toFile())
            .start();
    if (!build.waitFor(15, TimeUnit.MINUTES) || build.exitValue() != 0) {
      build.destroyForcibly();
      throw new IllegalStateException(
          "building vcsim failed; its output:\n" + Files.readString(buildLog));
    }
    Path log = work.resolve("vcsim.out");
    Process vcsim =
        new ProcessBuilder(
                bin("vcsim").toString(),
                "-l",
                "127.0.0.1:0",
                "-username",
                "ova-test",
                "-password",
                "ova-test-pass")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline && vcsim.isAlive()) {
      Matcher matcher = URL_LINE.matcher(Files.readString(log));
      if (matcher.find()) {
        return new Govc(vcsim, matcher.group(1), log);
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    vcsim.destroyForcibly();
    throw new IllegalStateException(
        "vcsim did not print its GOVC_URL within 60 s; output:\n" + Files.readString(log));
  }

  private static Path bin(String name) {
    return WORK_DIR.resolve("bin").resolve(name);
  }

  /** Runs govc; a non-zero exit fails with its output. */
  String run(Path dir, String... args) throws IOException, InterruptedException {
    Result result = attempt(dir, args);
    if (result.exit() != 0) {
      throw new IOException(
          "govc " + String.join(" ", args) + " failed (" + result.exit() + "): " + result.output());
    }
    return result.output();
  }

  record Result(int exit, String output) {}

  /** Runs govc and returns its exit code and output (stdout and stderr). */
  Result attempt(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(bin("govc").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().put("GOVC_URL", url);
    builder.environment().put("GOVC_INSECURE", "1");
    Path out = Files.createTempFile(dir, "govc", ".out");
    Process process = builder.redirectErrorStream(true).redirectOutput(out.toFile()).start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IOException("govc " + String.join(" ", args) + " took over 5 minutes");
    }
    String output = Files.readString(out, StandardCharsets.UTF_8);
    Files.delete(out);
    return new Result(process.exitValue(), output);
  }

  @Override
  public void close() throws InterruptedException, IOException {
    vcsim.destroy();
    if (!vcsim.waitFor(10, TimeUnit.SECONDS)) {
      vcsim.destroyForcibly();
      vcsim.waitFor(10, TimeUnit.SECONDS);
    }
    Files.deleteIfExists(log);
  }
}
