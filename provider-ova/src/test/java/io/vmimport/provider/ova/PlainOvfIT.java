package io.vmimport.provider.ova;

import io.vmimport.api.source.SourceSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plain {@code .ovf} URL served by nginx with its files beside it (COT's descriptor, disk, ISO,
 * text file and SHA-1 manifest from ../shared, by symbolic link): over https with basic auth and a
 * throw-away CA, and over http without range requests.
 */
class PlainOvfIT {
  private final OvaSourceProvider provider = new OvaSourceProvider();
  @TempDir Path work;

  private static String serveCot(Path dir) throws Exception {
    Path link = dir.resolve("cot-" + System.nanoTime());
    Files.createSymbolicLink(link, SharedOva.cot("input.ovf").getParent());
    return link.getFileName().toString();
  }

  @Test
  void overHttpsWithBasicAuth() throws Exception {
    Nginx nginx = NginxPeer.get();
    String dir = serveCot(NginxPeer.root().resolve("private"));
    try (SourceSession session =
        provider.open(
            PlainOvfTest.source(
                nginx.https("private/" + dir + "/input.ovf"),
                Map.of(
                    "username",
                    Nginx.USER,
                    "password",
                    Nginx.PASSWORD,
                    "ca.crt",
                    nginx.caPem())))) {
      PlainOvfTest.checkCotInput(session, work);
    } finally {
      Files.delete(NginxPeer.root().resolve("private").resolve(dir));
    }
  }

  @Test
  void overHttpWithoutRanges() throws Exception {
    Nginx nginx = NginxPeer.get();
    String dir = serveCot(NginxPeer.root());
    try (SourceSession session =
        provider.open(PlainOvfTest.source(nginx.http(dir + "/input.ovf"), Map.of()))) {
      PlainOvfTest.checkCotInput(session, work);
    } finally {
      Files.delete(NginxPeer.root().resolve(dir));
    }
  }
}
