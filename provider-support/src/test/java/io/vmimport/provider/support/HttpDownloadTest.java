package io.vmimport.provider.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpDownloadTest {
  private HttpServer server;
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicReference<String> cookieSeen = new AtomicReference<>();
  private final AtomicReference<String> hostSeen = new AtomicReference<>();
  private final byte[] disk = new byte[3 * 1024 * 1024 + 17];

  @BeforeEach
  void start() throws IOException {
    new Random(7).nextBytes(disk);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/disk",
        exchange -> {
          cookieSeen.set(exchange.getRequestHeaders().getFirst("Cookie"));
          hostSeen.set(exchange.getRequestHeaders().getFirst("Host"));
          exchange.sendResponseHeaders(200, disk.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(disk);
          }
        });
    server.createContext(
        "/stall",
        exchange -> {
          exchange.sendResponseHeaders(200, 1L << 30);
          OutputStream out = exchange.getResponseBody();
          out.write(new byte[4096]);
          out.flush();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.close();
        });
    server.createContext(
        "/missing",
        exchange -> {
          byte[] body = "{\"message\": \"no such lease\"}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(404, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  private HttpDownload get(String path) throws IOException {
    return HttpDownload.get(
        uri(path),
        null,
        Map.of("Cookie", "vmware_soap_session=abc"),
        Duration.ofSeconds(5),
        Duration.ofSeconds(20));
  }

  @Test
  void readsTheWholeBodyWithItsLengthAndSendsTheHeaders() throws IOException {
    try (HttpDownload download = get("/disk")) {
      assertThat(download.status()).isEqualTo(200);
      assertThat(download.length()).hasValue(disk.length);
      assertThat(download.body().readAllBytes()).isEqualTo(disk);
    }
    assertThat(cookieSeen.get()).isEqualTo("vmware_soap_session=abc");
    assertThat(hostSeen.get()).isEqualTo("127.0.0.1:" + server.getAddress().getPort());
  }

  @Test
  void anErrorStatusGivesTheErrorDocument() throws IOException {
    try (HttpDownload download = get("/missing")) {
      assertThat(download.status()).isEqualTo(404);
      assertThat(new String(download.bodyPrefix(1024), StandardCharsets.UTF_8))
          .contains("no such lease");
    }
  }

  @Test
  void closingFromAnotherThreadEndsAReadBlockedOnAStalledServer() throws Exception {
    HttpDownload download = get("/stall");
    InputStream body = download.body();
    body.readNBytes(4096);
    CompletableFuture<Integer> blocked =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return body.read(new byte[1024]);
              } catch (IOException e) {
                return -2;
              }
            });
    Thread.sleep(300);
    assertThat(blocked).isNotDone();
    CompletableFuture<Void> closing =
        CompletableFuture.runAsync(
            () -> {
              try {
                download.close();
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    closing.get(5, TimeUnit.SECONDS);
    // the read ends, with an error or at its end, long before the 20 s read timeout
    assertThat(blocked.get(5, TimeUnit.SECONDS)).isLessThan(1);
  }

  /** Serves one connection with exactly these bytes, then closes it. */
  private URI raw(String response) throws IOException {
    ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    Thread serving =
        new Thread(
            () -> {
              try (listener;
                  Socket client = listener.accept()) {
                InputStream in = client.getInputStream();
                // the request ends with an empty line
                int matched = 0;
                byte[] end = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
                while (matched < end.length) {
                  int b = in.read();
                  if (b < 0) {
                    return;
                  }
                  matched = b == end[matched] ? matched + 1 : b == end[0] ? 1 : 0;
                }
                client.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    serving.setDaemon(true);
    serving.start();
    return URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/disk");
  }

  private static HttpDownload get(URI uri) throws IOException {
    return HttpDownload.get(uri, null, Map.of(), Duration.ofSeconds(5), Duration.ofSeconds(5));
  }

  @Test
  void aChunkedBodyIsDecoded() throws IOException {
    URI uri =
        raw(
            "HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Disk: one\r\n\r\n"
                + "5;ext=1\r\nhello\r\n7\r\n, disks\r\n0\r\nTrailer: x\r\n\r\n");
    try (HttpDownload download = get(uri)) {
      assertThat(download.status()).isEqualTo(200);
      assertThat(download.length()).isEmpty();
      assertThat(download.header("x-DISK")).isEqualTo("one");
      assertThat(new String(download.body().readAllBytes(), StandardCharsets.US_ASCII))
          .isEqualTo("hello, disks");
    }
  }

  @Test
  void aBodyShorterThanItsLengthIsAnErrorNotAShortDisk() throws IOException {
    URI uri = raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + "x".repeat(60));
    try (HttpDownload download = get(uri)) {
      assertThatThrownBy(() -> download.body().readAllBytes())
          .isInstanceOf(EOFException.class)
          .hasMessage("the server closed the connection after 60 of 100 bytes");
    }
  }

  @Test
  void aChunkedBodyCutBeforeItsLastChunkIsAnError() throws IOException {
    URI uri = raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    try (HttpDownload download = get(uri)) {
      assertThatThrownBy(() -> download.body().readAllBytes())
          .isInstanceOf(EOFException.class)
          .hasMessageContaining("before the last chunk, after 5 bytes");
    }
  }

  @Test
  void aServerThatDoesNotSpeakHttpIsNamed() throws IOException {
    URI uri = raw("SSH-2.0-OpenSSH_9.2\r\n");
    assertThatThrownBy(() -> get(uri))
        .isInstanceOf(IOException.class)
        .hasMessage("the server did not answer HTTP: SSH-2.0-OpenSSH_9.2");
  }

  @Test
  void anUnreachableServerIsAnIoException() {
    URI closed = URI.create("http://127.0.0.1:1/disk");
    assertThatThrownBy(
            () ->
                HttpDownload.get(
                    closed, null, Map.of(), Duration.ofSeconds(2), Duration.ofSeconds(2)))
        .isInstanceOf(IOException.class);
  }
}
