package io.vmimport.operator.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The probe and metrics server alone, on loopback sockets. */
class HealthServerTest {
  private HealthServer server;
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

  private void start(HealthServer.Limits limits) {
    server =
        HealthServer.start(
            "probes",
            new InetSocketAddress("127.0.0.1", 0),
            Map.of(
                "/healthz", () -> new HealthServer.Reply(200, "ok\n"),
                "/readyz", () -> new HealthServer.Reply(503, "not ready: not the leader\n"),
                "/broken",
                    () -> {
                      throw new IllegalStateException("broken on purpose");
                    }),
            limits);
  }

  @Test
  void aHalfSentRequestNeitherDelaysAProbeNorStaysPastTheDeadline() throws Exception {
    start(new HealthServer.Limits(64, Duration.ofMillis(500)));
    Socket half = connect();
    half.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: 127".getBytes(US_ASCII));

    long started = System.nanoTime();
    assertThat(get("/healthz")).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nok\n");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    assertThat(closedByServer(half, Duration.ofSeconds(10))).isTrue();
  }

  @Test
  void aFloodOfIdleConnectionsMakesRoomForTheProbe() throws Exception {
    // a deadline longer than the test: only the cap can let the probe in
    start(new HealthServer.Limits(8, Duration.ofMinutes(5)));
    List<Socket> idle = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      idle.add(connect());
    }

    assertThat(get("/healthz")).startsWith("HTTP/1.1 200 OK\r\n");
    assertThat(closedByServer(idle.get(0), Duration.ofSeconds(10)))
        .as("the oldest idle connection made room")
        .isTrue();
  }

  @Test
  void answersStatusesBodiesAndErrors() throws Exception {
    start(HealthServer.Limits.DEFAULTS);
    assertThat(get("/readyz"))
        .startsWith("HTTP/1.1 503 Service Unavailable\r\n")
        .contains("Content-Length: 26\r\n")
        .contains("Connection: close\r\n")
        .endsWith("\r\n\r\nnot ready: not the leader\n");
    assertThat(get("/healthz?verbose")).startsWith("HTTP/1.1 200 ");
    assertThat(get("/metrics")).startsWith("HTTP/1.1 404 ");
    assertThat(get("/broken")).startsWith("HTTP/1.1 500 ").contains("broken on purpose");
    assertThat(exchange("POST /healthz HTTP/1.1\r\nContent-Length: 0\r\n\r\n"))
        .startsWith("HTTP/1.1 405 ");
    assertThat(exchange("HEAD /healthz HTTP/1.1\r\n\r\n"))
        .startsWith("HTTP/1.1 200 ")
        .endsWith("\r\n\r\n");
    assertThat(exchange("nonsense\r\n\r\n")).startsWith("HTTP/1.1 400 ");
    assertThat(exchange("GET /" + "x".repeat(10_000) + " HTTP/1.1\r\n\r\n"))
        .startsWith("HTTP/1.1 431 ");
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket();
    sockets.add(socket);
    socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
    return socket;
  }

  private String get(String path) throws IOException {
    return exchange("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  }

  /** Sends {@code request} on a new connection and reads until the server closes it. */
  private String exchange(String request) throws IOException {
    Socket socket = connect();
    socket.setSoTimeout(5_000);
    socket.getOutputStream().write(request.getBytes(US_ASCII));
    return new String(socket.getInputStream().readAllBytes(), US_ASCII);
  }

  private static boolean closedByServer(Socket socket, Duration within) throws IOException {
    socket.setSoTimeout((int) within.toMillis());
    try {
      return socket.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    }
  }
}
