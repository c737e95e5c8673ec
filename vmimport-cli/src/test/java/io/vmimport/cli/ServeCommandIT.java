package io.vmimport.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vmimport.cli.CliRunner.Result;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue #14: {@code vmimport serve} finishes an offline import. A real import writes the output,
 * serve fills in the URLs, and an HTTP client that checks what Harvester's download checks (HEAD
 * with Content-Length, a Range request, the bytes) gets the disks.
 */
class ServeCommandIT {
  private static final long MIB = 1 << 20;

  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void servesTheDisksAndWritesTheirUrlsIntoBothManifests() throws Exception {
    TestdiskFixture fixture = TestdiskFixture.create(dir, new long[] {3 * MIB, 1 * MIB});
    Path out = dir.resolve("out");
    Path vmDir = out.resolve("default").resolve(TestdiskFixture.IMPORT);
    Result imported = CliRunner.importInto(fixture.resources, out, "--format", "raw");
    assertThat(imported.exitCode()).as(imported.toString()).isZero();
    List<JsonNode> written = documents(vmDir.resolve("manifests.yaml"));

    String firstUrl;
    try (Serving serving = Serving.start(out.toString(), "--listen", "127.0.0.1:0")) {
      assertThat(serving.output())
          .contains("serving 2 disk(s) on 127.0.0.1:")
          .contains("next: the kubectl commands in " + vmDir.resolve("README.md"));
      List<JsonNode> images = documents(vmDir.resolve("images.yaml"));
      List<JsonNode> manifests = documents(vmDir.resolve("manifests.yaml"));
      assertThat(images).hasSize(2);
      for (int i = 0; i < 2; i++) {
        JsonNode image = images.get(i);
        String url = image.at("/spec/url").asText();
        assertThat(url).startsWith("http://127.0.0.1:").endsWith("/disk-" + i + ".raw");
        byte[] expected = Files.readAllBytes(fixture.sourceDir.resolve("disk" + i + ".raw"));
        assertDownloads(url, expected);
        JsonNode sameImage = manifests.get(manifests.indexOf(image));
        assertThat(sameImage.at("/spec/url").asText()).isEqualTo(url);
      }
      // nothing else changed: the same objects as import wrote, but for the URLs
      assertThat(manifests).hasSameSizeAs(written);
      for (int i = 0; i < written.size(); i++) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) written.get(i).path("spec"))
            .remove("url");
        JsonNode served = manifests.get(i).deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) served.path("spec")).remove("url");
        assertThat(served).isEqualTo(written.get(i));
      }
      assertThat(Files.readString(vmDir.resolve("manifests.yaml"))).doesNotContain("REPLACE");
      firstUrl = images.get(0).at("/spec/url").asText();
    }

    // served again (another day, another port): the URLs of the first run are replaced
    try (Serving again = Serving.start(vmDir.toString(), "--listen", "127.0.0.1:0")) {
      String url = documents(vmDir.resolve("images.yaml")).get(0).at("/spec/url").asText();
      assertThat(url).isNotEqualTo(firstUrl).endsWith("/disk-0.raw");
      assertDownloads(url, Files.readAllBytes(fixture.sourceDir.resolve("disk0.raw")));
      assertThat(again.output()).contains("serving 2 disk(s)");
    }
  }

  @Test
  void aFolderWithoutAnImportIsBadInput() {
    Result result = CliRunner.run("serve", dir.toString(), "--listen", "127.0.0.1:0");

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
    assertThat(result.err())
        .isEqualTo(
            dir
                + ": no import's images.yaml in it or in <namespace>/<name>/ below it; run"
                + " 'vmimport import --output-dir "
                + dir
                + "' first\n");
  }

  private void assertDownloads(String url, byte[] expected) throws Exception {
    HttpResponse<Void> head =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.discarding());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(expected.length);

    HttpResponse<byte[]> range =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).header("Range", "bytes=512-1023").build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(range.statusCode()).isEqualTo(206);
    assertThat(range.body()).isEqualTo(Arrays.copyOfRange(expected, 512, 1024));

    HttpResponse<byte[]> whole =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(whole.statusCode()).isEqualTo(200);
    assertThat(whole.body()).isEqualTo(expected);
  }

  private static List<JsonNode> documents(Path file) throws IOException {
    try (MappingIterator<JsonNode> docs =
        new YAMLMapper().readerFor(JsonNode.class).readValues(file.toFile())) {
      return docs.readAll();
    }
  }

  /** {@code vmimport serve} running in this JVM until closed. */
  private static final class Serving implements AutoCloseable {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final ServeCommand command;
    private final CompletableFuture<Integer> exit;

    private Serving(String... args) {
      CommandLine commandLine = Main.commandLine();
      commandLine.setOut(new PrintWriter(out, true));
      commandLine.setErr(new PrintWriter(err, true));
      command = commandLine.getSubcommands().get("serve").getCommand();
      String[] all = new String[args.length + 1];
      all[0] = "serve";
      System.arraycopy(args, 0, all, 1, args.length);
      exit = CompletableFuture.supplyAsync(() -> commandLine.execute(all));
    }

    static Serving start(String... args) throws Exception {
      Serving serving = new Serving(args);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!serving.output().contains("serving ")) {
        if (serving.exit.isDone() || System.nanoTime() > deadline) {
          throw new AssertionError("serve did not start: " + serving.output() + serving.err);
        }
        Thread.sleep(50);
      }
      return serving;
    }

    String output() {
      return out.toString();
    }

    @Override
    public void close() throws Exception {
      command.stop();
      assertThat(exit.get(30, TimeUnit.SECONDS)).as(output() + err).isZero();
    }
  }
}
