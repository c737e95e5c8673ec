package io.vmimport.converter.qemu;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs qemu-img directly, to make test images and to check results independently of our code. */
final class QemuImgCli {
  static final String QEMU_IMG = "/usr/bin/qemu-img";

  private QemuImgCli() {}

  record Result(int exitCode, String output) {}

  static Result run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(QEMU_IMG);
    command.addAll(List.of(args));
    Path output = Files.createTempFile("qemu-img-test", ".out");
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        throw new AssertionError("timed out: " + command);
      }
      return new Result(process.exitValue(), Files.readString(output, UTF_8));
    } finally {
      Files.delete(output);
    }
  }

  /** Runs qemu-img and fails the test unless it exits with 0. */
  static String ok(String... args) throws IOException, InterruptedException {
    Result result = run(args);
    if (result.exitCode() != 0) {
      throw new AssertionError(
          "qemu-img "
              + String.join(" ", args)
              + " exited "
              + result.exitCode()
              + ": "
              + result.output());
    }
    return result.output();
  }

  /** Bytes the file occupies on disk, as st_blocks counts them. */
  static long allocatedBytes(Path file) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder("stat", "--format=%b %B", file.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(process.getInputStream().readAllBytes(), UTF_8).trim();
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new AssertionError("stat " + file + " failed: " + out);
    }
    String[] parts = out.split(" ");
    return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
  }
}
