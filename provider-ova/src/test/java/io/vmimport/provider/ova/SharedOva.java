package io.vmimport.provider.ova;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real OVA and OVF files in the team's shared folder beside the clone, read from there (never
 * copied into the repository), and {@code tar} to pack test archives from them.
 */
public final class SharedOva {
  public static final Path DIR = Path.of("..", "..", "shared", "test-peers", "ova");

  /** VirtualBox's export: disk first, then descriptor, then a SHA-256 manifest. */
  public static final String VIRTUALBOX = "virtualbox-ubuntu-ovf2.ova";

  public static final String VIRTUALBOX_VM = "ubuntu";
  public static final String VIRTUALBOX_DISK = "ubuntu.2.0-disk1.vmdk";

  private SharedOva() {}

  public static void assumePresent() {
    assumeTrue(
        Files.isRegularFile(DIR.resolve(VIRTUALBOX)),
        "skipped: needs the real OVA and OVF files in "
            + DIR.toAbsolutePath().normalize()
            + ", the team's shared folder beside the clone; see the README, 'Tests that need"
            + " ../shared'");
  }

  public static Path virtualBox() {
    assumePresent();
    return DIR.resolve(VIRTUALBOX).toAbsolutePath().normalize();
  }

  public static Path cot(String file) {
    assumePresent();
    return DIR.resolve("cot").resolve(file).toAbsolutePath().normalize();
  }

  /** Extracts {@code ova} into {@code dir} with the system's tar. */
  public static void extract(Path ova, Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    run(dir, "tar", "-xf", ova.toString(), "-C", dir.toString());
  }

  /** Packs {@code files} of {@code dir}, in that order, into {@code ova} with the system's tar. */
  public static Path pack(Path dir, Path ova, String... files)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("tar", "--format=ustar", "-cf", ova.toString()));
    command.addAll(List.of(files));
    run(dir, command.toArray(String[]::new));
    return ova;
  }

  static void run(Path dir, String... command) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }
}
