package io.vmimport.target.harvester;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image server on 127.0.0.1, downloaded from with the JDK's HTTP client. */
class ImageServerIT {
  private static final long SIZE = 64L << 20; // 64 MiB, mostly a hole
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;
  private ImageServer server;
  private Path disk;

  @BeforeEach
  void start() throws IOException {
    server = ImageServer.start(ImageServerConfig.loopback());
    disk = sparseDisk(dir.resolve("disk-0.qcow2"), SIZE, 1);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** A sparse file with random data at its start, in the middle and at its end. */
  static Path sparseDisk(Path file, long size, long seed) throws IOException {
    Random random = new Random(seed);
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long offset : new long[] {0, size / 2, size - (1 << 20)}) {
        byte[] data = new byte[1 << 20];
        random.nextBytes(data);
        channel.write(java.nio.ByteBuffer.wrap(data), offset);
      }
    }
    return file;
  }

  private HttpResponse<byte[]> get(URI uri, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static String sha256(InputStream in) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    byte[] buffer = new byte[1 << 16];
    for (int n; (n = in.read(buffer)) > 0; ) {
      digest.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  @Test
  void headAnswersTheLengthWithoutABody() throws Exception {
    URL url = server.register(disk);
    HttpResponse<byte[]> head =
        http.send(
            HttpRequest.newBuilder(url.toURI())
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());

    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(SIZE);
    assertThat(head.headers().firstValue("Accept-Ranges")).hasValue("bytes");
    assertThat(head.body()).isEmpty();
    assertThat(url.toString()).startsWith("http://127.0.0.1:" + server.port() + "/");
  }

  @Test
  void rangeRequestsReturnExactlyTheAskedBytes() throws Exception {
    URI uri = server.register(disk).toURI();
    byte[] all = Files.readAllBytes(disk);

    HttpResponse<byte[]> header = get(uri, "Range", "bytes=0-511");
    assertThat(header.statusCode()).isEqualTo(206);
    assertThat(header.headers().firstValue("Content-Range")).hasValue("bytes 0-511/" + SIZE);
    assertThat(header.body()).isEqualTo(Arrays.copyOfRange(all, 0, 512));

    long mid = SIZE / 2 - 100;
    HttpResponse<byte[]> middle = get(uri, "Range", "bytes=" + mid + "-" + (mid + 999));
    assertThat(middle.body()).isEqualTo(Arrays.copyOfRange(all, (int) mid, (int) mid + 1000));

    HttpResponse<byte[]> tail = get(uri, "Range", "bytes=-4096");
    assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(all, all.length - 4096, all.length));

    HttpResponse<byte[]> open = get(uri, "Range", "bytes=" + (SIZE - 10) + "-");
    assertThat(open.body()).isEqualTo(Arrays.copyOfRange(all, all.length - 10, all.length));

    HttpResponse<byte[]> beyond = get(uri, "Range", "bytes=" + SIZE + "-");
    assertThat(beyond.statusCode()).isEqualTo(416);
    assertThat(beyond.headers().firstValue("Content-Range")).hasValue("bytes */" + SIZE);
  }

  @Test
  void wrongOrWithdrawnTokensAndListingsAre404() throws Exception {
    URL url = server.register(disk);
    String token = ImageServer.tokenOf(url.toString()).orElseThrow();
    String base = "http://127.0.0.1:" + server.port();

    assertThat(get(URI.create(base + "/")).statusCode()).isEqualTo(404);
    assertThat(get(URI.create(base + "/" + token + "/")).statusCode()).isEqualTo(404);
    assertThat(get(URI.create(base + "/" + token)).statusCode()).isEqualTo(404);
    assertThat(get(URI.create(base + "/" + token + "/other.qcow2")).statusCode()).isEqualTo(404);
    String wrong = (token.charAt(0) == 'A' ? "B" : "A") + token.substring(1);
    assertThat(get(URI.create(base + "/" + wrong + "/disk-0.qcow2")).statusCode()).isEqualTo(404);
    assertThat(get(URI.create(base + "/../" + dir.getFileName() + "/disk-0.qcow2")).statusCode())
        .isEqualTo(404);
    assertThat(new String(get(URI.create(base + "/")).body())).doesNotContain("disk-0");

    assertThat(get(url.toURI(), "Range", "bytes=0-0").statusCode()).isEqualTo(206);
    server.withdraw(token);
    assertThat(get(url.toURI()).statusCode()).isEqualTo(404);
  }

  @Test
  void tokensAreUnguessableAndPerImage() throws Exception {
    Path other = sparseDisk(dir.resolve("disk-1.qcow2"), 4 << 20, 2);
    String first = ImageServer.tokenOf(server.register(disk).toString()).orElseThrow();
    String again = ImageServer.tokenOf(server.register(disk).toString()).orElseThrow();
    String second = ImageServer.tokenOf(server.register(other).toString()).orElseThrow();

    assertThat(first).hasSizeGreaterThanOrEqualTo(43).isNotEqualTo(again).isNotEqualTo(second);
    String base = "http://127.0.0.1:" + server.port() + "/";
    assertThat(get(URI.create(base + first + "/disk-1.qcow2")).statusCode()).isEqualTo(404);
  }

  @Test
  void aUrlFromBeforeARestartIsServedAgainOnlyForItsOwnFileAndAddress() throws Exception {
    Path other = sparseDisk(dir.resolve("disk-1.qcow2"), 4 << 20, 2);
    String url = server.register(disk).toString();
    String token = ImageServer.tokenOf(url).orElseThrow();
    server.withdraw(token); // what a restart forgets
    String base = "http://127.0.0.1:" + server.port() + "/";

    assertThat(server.adopt(url, other)).as("another file").isFalse();
    assertThat(server.adopt(url.replace("127.0.0.1", "10.0.0.1"), disk))
        .as("another server's address")
        .isFalse();
    assertThat(server.adopt(base + "short/" + disk.getFileName(), disk))
        .as("not a token this server hands out")
        .isFalse();
    assertThat(get(URI.create(url)).statusCode()).isEqualTo(404);

    assertThat(server.adopt(url, disk)).isTrue();
    HttpResponse<byte[]> response = get(URI.create(url));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(Files.readAllBytes(disk));
  }

  @Test
  void concurrentFullDownloadsAllGetTheWholeFile() throws Exception {
    Path other = sparseDisk(dir.resolve("disk-1.qcow2"), 32L << 20, 7);
    String expectedDisk = sha256(Files.newInputStream(disk));
    String expectedOther = sha256(Files.newInputStream(other));
    URI diskUri = server.register(disk).toURI();
    URI otherUri = server.register(other).toURI();

    List<CompletableFuture<String>> downloads = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      URI uri = i % 2 == 0 ? diskUri : otherUri;
      expected.add(i % 2 == 0 ? expectedDisk : expectedOther);
      downloads.add(
          http.sendAsync(
                  HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120)).build(),
                  HttpResponse.BodyHandlers.ofInputStream())
              .thenApply(
                  response -> {
                    assertThat(response.statusCode()).isEqualTo(200);
                    try (InputStream body = response.body()) {
                      return sha256(body);
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  }));
    }
    List<String> actual = new ArrayList<>();
    for (CompletableFuture<String> download : downloads) {
      actual.add(download.get(120, java.util.concurrent.TimeUnit.SECONDS));
    }
    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void onlyGetAndHeadAreAnswered() throws Exception {
    URI uri = server.register(disk).toURI();
    HttpResponse<byte[]> put =
        http.send(
            HttpRequest.newBuilder(uri).PUT(HttpRequest.BodyPublishers.ofString("x")).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(put.statusCode()).isEqualTo(405);
    assertThat(Files.size(disk)).isEqualTo(SIZE);
  }
}
