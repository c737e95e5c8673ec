package io.vmimport.target.harvester;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image server against clients that misbehave, on real sockets: half-sent requests, pipelined
 * floods, clients that stop reading, impossible ranges, more connections than allowed. What a user
 * would notice is that Harvester's downloads keep working and that the operator's process does not
 * run out of file descriptors; the latter is read from {@code /proc/self/fd}, where the server's
 * sockets and open files are counted (the server runs in this JVM).
 */
class ImageServerLimitsIT {
  private static final Path FDS = Path.of("/proc/self/fd");
  // file descriptors this JVM may open or close meanwhile on its own (class loading, JIT, logging)
  private static final int SLACK = 16;

  @TempDir Path dir;
  private ImageServer server;
  private final List<Socket> sockets = new ArrayList<>();

  @AfterEach
  void stop() throws IOException {
    for (Socket socket : sockets) {
      socket.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private ImageServer start(ImageServerConfig.Limits limits) {
    server = ImageServer.start(ImageServerConfig.loopback().withLimits(limits));
    return server;
  }

  @Test
  void halfSentRequestsAreClosedAfterTheRequestTimeoutWhileOthersAreServed() throws Exception {
    start(new ImageServerConfig.Limits(1000, Duration.ofSeconds(1), Duration.ofMinutes(5)));
    Path disk = ImageServerIT.sparseDisk(dir.resolve("disk-0.qcow2"), 4 << 20, 1);
    URI uri = server.register(disk).toURI();
    List<Socket> halfSent = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      Socket socket = connect();
      socket.getOutputStream().write(("GET " + uri.getPath() + " HTTP/1.1\r\nHost: x").getBytes());
      halfSent.add(socket);
    }

    Socket normal = connect();
    Response served = exchange(normal, "GET", uri.getPath(), "Range: bytes=0-1023");
    assertThat(served.status()).isEqualTo(206);
    assertThat(served.body()).hasSize(1024);

    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    int closed = 0;
    for (Socket socket : halfSent) {
      if (closedByServer(socket, deadline)) {
        closed++;
      }
    }
    assertThat(closed).as("half-sent requests the server closed within 20 s").isEqualTo(300);
  }

  @Test
  void aRequestTricklingInByteByByteIsClosedAtTheRequestDeadline() throws Exception {
    start(new ImageServerConfig.Limits(16, Duration.ofSeconds(1), Duration.ofMinutes(5)));
    Socket socket = connect();
    OutputStream out = socket.getOutputStream();
    byte[] request =
        "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".getBytes();
    // one byte every 200 ms: never idle for long, but never done either
    Thread trickle =
        new Thread(
            () -> {
              try {
                for (byte b : request) {
                  out.write(b);
                  out.flush();
                  Thread.sleep(200);
                }
              } catch (IOException | InterruptedException e) {
                // closed by the server, or the test is over
              }
            },
            "trickle");
    long started = System.nanoTime();
    trickle.start();
    try {
      assertThat(closedByServer(socket, started + Duration.ofSeconds(10).toNanos()))
          .as("the server closed the trickling connection")
          .isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    } finally {
      trickle.interrupt();
      trickle.join();
    }
  }

  @Test
  void pipelinedGetsOnOneConnectionHoldAtMostOneFile() throws Exception {
    start(ImageServerConfig.Limits.DEFAULTS);
    // larger than what the kernel's socket buffers take in, so that a response stays unsent
    Path disk = ImageServerIT.sparseDisk(dir.resolve("disk-0.qcow2"), 32 << 20, 1);
    String path = server.register(disk).toURI().getPath();
    Socket warmUp = connect();
    assertThat(exchange(warmUp, "HEAD", path).status()).isEqualTo(200);
    long before = openFds();

    Socket flood = connect();
    StringBuilder requests = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      requests.append("GET ").append(path).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    flood.getOutputStream().write(requests.toString().getBytes(US_ASCII));
    flood.getOutputStream().flush();
    // the server is answering (the first response has begun), and the client reads no further
    flood.setSoTimeout(10_000);
    assertThat(new String(flood.getInputStream().readNBytes(12), US_ASCII))
        .isEqualTo("HTTP/1.1 200");

    long most = mostOpenWithin(Duration.ofSeconds(3), disk);
    assertThat(most).as("times the file is open for 1000 pipelined GETs nobody reads").isOne();
    assertThat(openFds() - before)
        .as("file descriptors open meanwhile (the sockets and the file)")
        .isLessThanOrEqualTo(3 + SLACK);

    flood.close();
    awaitTrue(() -> openFds() <= before + SLACK, "the flood's socket and file are closed");
    // the server still answers
    assertThat(exchange(warmUp, "HEAD", path).status()).isEqualTo(200);
  }

  @Test
  void unsatisfiableAndOverflowingRangesAre416AndOpenNoFile() throws Exception {
    start(ImageServerConfig.Limits.DEFAULTS);
    long size = 4 << 20;
    Path disk = ImageServerIT.sparseDisk(dir.resolve("disk-0.qcow2"), size, 1);
    String path = server.register(disk).toURI().getPath();
    Socket client = connect();
    assertThat(exchange(client, "HEAD", path).status()).isEqualTo(200);
    long before = openFds();

    for (int i = 0; i < 100; i++) {
      for (String range :
          List.of(
              "bytes=9223372036854775807-",
              "bytes=" + size + "-",
              "bytes=99999999999999999999-",
              "bytes=99999999999999999999-99999999999999999999")) {
        Response response = exchange(client, "GET", path, "Range: " + range);
        assertThat(response.status()).as(range).isEqualTo(416);
        assertThat(response.headers()).containsEntry("content-range", "bytes */" + size);
      }
    }
    // a last position beyond the end, however large, means "to the end"
    Response tail =
        exchange(client, "GET", path, "Range: bytes=" + (size - 8) + "-99999999999999999999");
    assertThat(tail.status()).isEqualTo(206);
    assertThat(tail.body())
        .isEqualTo(
            java.util.Arrays.copyOfRange(Files.readAllBytes(disk), (int) size - 8, (int) size));
    Response suffix = exchange(client, "GET", path, "Range: bytes=-99999999999999999999");
    assertThat(suffix.status()).isEqualTo(206);
    assertThat(suffix.body()).hasSize((int) size);

    awaitTrue(() -> openFds() <= before + SLACK, "no file of the 416s is left open");
    assertThat(openFilesOf(disk)).isZero();
  }

  @Test
  void aConnectionBeyondTheCapIsRefusedAndTheOthersServed() throws Exception {
    start(new ImageServerConfig.Limits(4, Duration.ofSeconds(30), Duration.ofMinutes(5)));
    Path disk = ImageServerIT.sparseDisk(dir.resolve("disk-0.qcow2"), 4 << 20, 1);
    String path = server.register(disk).toURI().getPath();
    List<Socket> admitted = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Socket socket = connect();
      assertThat(exchange(socket, "HEAD", path).status()).isEqualTo(200);
      admitted.add(socket);
    }

    Socket extra = connect();
    extra.setSoTimeout(5_000);
    String answer;
    try {
      answer = new String(extra.getInputStream().readAllBytes(), US_ASCII);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the connection beyond the cap was neither answered nor closed", e);
    } catch (SocketException e) {
      answer = ""; // reset: refused as well
    }
    assertThat(answer)
        .satisfiesAnyOf(
            a -> assertThat(a).isEmpty(), a -> assertThat(a).startsWith("HTTP/1.1 503"));

    for (Socket socket : admitted) {
      assertThat(exchange(socket, "GET", path, "Range: bytes=0-99").status()).isEqualTo(206);
    }
    admitted.get(0).close();
    awaitTrue(
        () -> {
          try (Socket next = new Socket()) {
            next.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
            next.setSoTimeout(5_000);
            return exchange(next, "HEAD", path).status() == 200;
          } catch (IOException e) {
            return false;
          }
        },
        "a connection is admitted once one of the four closed");
  }

  @Test
  void aResponseNobodyReadsIsCutAfterTheSendTimeout() throws Exception {
    start(new ImageServerConfig.Limits(16, Duration.ofSeconds(30), Duration.ofSeconds(1)));
    long size = 256L << 20;
    Path disk = ImageServerIT.sparseDisk(dir.resolve("disk-0.qcow2"), size, 1);
    String path = server.register(disk).toURI().getPath();
    Socket stalled = connect();
    stalled
        .getOutputStream()
        .write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(US_ASCII));
    awaitTrue(() -> openFilesOf(disk) == 1, "the download begins");

    // the file is closed once the server gives up on the client (whose socket stays open, unread)
    awaitTrue(() -> openFilesOf(disk) == 0, "the stalled download's file is closed");
    stalled.setSoTimeout(10_000);
    long received = 0;
    try (InputStream in = stalled.getInputStream()) {
      for (long n; (n = in.skip(1 << 20)) > 0 || in.read() >= 0; ) {
        received += Math.max(n, 1);
      }
    } catch (SocketException e) {
      // reset after the cut: what was received is what counts
    }
    assertThat(received).as("bytes of a %d-byte response", size).isLessThan(size);
  }

  @Test
  void aSlowButSteadyReaderGetsTheWholeFile() throws Exception {
    // the send timeout cuts a response that makes no progress, not one that is slow
    start(new ImageServerConfig.Limits(16, Duration.ofSeconds(30), Duration.ofSeconds(1)));
    long size = 16L << 20;
    Path disk = ImageServerIT.sparseDisk(dir.resolve("disk-0.qcow2"), size, 1);
    String path = server.register(disk).toURI().getPath();
    Socket slow = connect();
    slow.setReceiveBufferSize(64 << 10);
    slow.getOutputStream()
        .write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(US_ASCII));
    InputStream in = slow.getInputStream();
    assertThat(line(in)).isEqualTo("HTTP/1.1 200 OK");
    while (!line(in).isEmpty()) {
      // headers
    }
    long started = System.nanoTime();
    String expected = ImageServerIT.sha256(Files.newInputStream(disk));
    java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
    byte[] buffer = new byte[512 << 10];
    long received = 0;
    // half a MiB every 100 ms: 16 MiB take about 3 s, three times the send timeout
    while (received < size) {
      int want = (int) Math.min(buffer.length, size - received);
      int n = in.readNBytes(buffer, 0, want);
      digest.update(buffer, 0, n);
      if (n < want) {
        break; // cut by the server
      }
      received += n;
      Thread.sleep(100);
    }
    assertThat(received).as("bytes received").isEqualTo(size);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(Duration.ofSeconds(2));
    assertThat(java.util.HexFormat.of().formatHex(digest.digest())).isEqualTo(expected);
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket();
    sockets.add(socket);
    socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
    socket.setSoTimeout(30_000);
    return socket;
  }

  /** Whether the server closed {@code socket} (end of stream or reset) before {@code deadline}. */
  private static boolean closedByServer(Socket socket, long deadline) throws IOException {
    long left = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
    socket.setSoTimeout((int) Math.max(1, left));
    try {
      return socket.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    }
  }

  record Response(int status, Map<String, String> headers, byte[] body) {}

  /** One request on a kept-alive connection, and its response read to its end. */
  private static Response exchange(Socket socket, String method, String path, String... headers)
      throws IOException {
    StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: x\r\n");
    for (String header : headers) {
      request.append(header).append("\r\n");
    }
    socket.getOutputStream().write(request.append("\r\n").toString().getBytes(US_ASCII));
    socket.getOutputStream().flush();
    InputStream in = socket.getInputStream();
    String statusLine = line(in);
    Map<String, String> fields = new HashMap<>();
    for (String line; !(line = line(in)).isEmpty(); ) {
      int colon = line.indexOf(':');
      fields.put(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    long length = Long.parseLong(fields.getOrDefault("content-length", "0"));
    byte[] body = method.equals("HEAD") ? new byte[0] : in.readNBytes((int) length);
    return new Response(Integer.parseInt(statusLine.split(" ")[1]), fields, body);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0) {
        throw new IOException("connection closed mid-response after '" + line + "'");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(US_ASCII);
  }

  private static long openFds() {
    try (Stream<Path> fds = Files.list(FDS)) {
      return fds.count();
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + FDS, e);
    }
  }

  /** How many of this process's file descriptors are {@code file}. */
  private static long openFilesOf(Path file) {
    Path real;
    try {
      real = file.toRealPath();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    try (Stream<Path> fds = Files.list(FDS)) {
      return fds.filter(fd -> points(fd, real)).count();
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + FDS, e);
    }
  }

  private static boolean points(Path fd, Path file) {
    try {
      return Files.readSymbolicLink(fd).equals(file);
    } catch (IOException e) {
      return false; // closed while listed
    }
  }

  /** The most times {@code file} is seen open while polling for {@code window}. */
  private static long mostOpenWithin(Duration window, Path file) throws InterruptedException {
    long most = 0;
    long end = System.nanoTime() + window.toNanos();
    while (System.nanoTime() < end && most <= 1) {
      most = Math.max(most, openFilesOf(file));
      Thread.sleep(20);
    }
    return most;
  }

  private static void awaitTrue(BooleanSupplier condition, String what)
      throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within 20 s: " + what);
      }
      Thread.sleep(50);
    }
  }
}
