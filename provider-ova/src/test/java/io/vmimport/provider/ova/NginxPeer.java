package io.vmimport.provider.ova;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One nginx for the test JVM, serving the shared OVAs (by symbolic link: they are read from
 * ../shared, not copied) at {@code /<name>} and, behind basic auth, at {@code /private/<name>}.
 * Stopped by its PID when the JVM ends.
 */
public final class NginxPeer {
  private static Nginx nginx;
  private static Path root;

  private NginxPeer() {}

  public static synchronized Nginx get() {
    Nginx.assumeInstalled();
    SharedOva.assumePresent();
    if (nginx == null) {
      try {
        Path work = Files.createTempDirectory("vmimport-ova-nginx");
        root = work.resolve("www");
        Files.createDirectories(root.resolve("private"));
        for (Path dir : new Path[] {root, root.resolve("private")}) {
          Files.createSymbolicLink(dir.resolve(SharedOva.VIRTUALBOX), SharedOva.virtualBox());
        }
        nginx = Nginx.start(root, work.resolve("nginx"));
        Nginx started = nginx;
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      try {
                        started.close();
                        deleteTree(work);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      } catch (IOException e) {
                        System.err.println("could not remove " + work + ": " + e);
                      }
                    }));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (Exception e) {
        throw new IllegalStateException("cannot start nginx: " + e.getMessage(), e);
      }
    }
    return nginx;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /** The directory nginx serves; files put here are served at once. */
  public static synchronized Path root() {
    get();
    return root;
  }
}
