package io.vmimport.provider.openstack;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Replays responses recorded from the local OpenStack (../shared/test-peers/openstack/fixtures-zed)
 * on one 127.0.0.1 port that stands in for Keystone, Nova, Cinder and Glance. Tests route a request
 * ({@code "GET /v2.1/servers/ID"}) to a fixture, possibly edited, or to a bare status.
 */
final class RecordedCloud implements AutoCloseable {
  static final String SERVER_ID = "48d042a5-41a3-43fb-9e30-6c1b74834143";
  static final String PROJECT = "16c8b78178804176a3ca7804ee023681";
  static final String VOLUME_ID = "55247101-17cf-4900-9293-587d70a79766";
  static final String SNAPSHOT_ID = "b68099e3-9f9e-4bae-b334-4df183182696";
  static final String TEMP_VOLUME_ID = "e94b1605-6a54-4491-9bfa-b805b5a84897";
  static final String IMAGE_ID = "e500be6a-3101-4d0d-9e6d-732bb8e2a3ac";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final String base;
  private final Map<String, Deque<Reply>> routes = new ConcurrentHashMap<>();
  final List<String> requests = new CopyOnWriteArrayList<>();

  record Reply(int status, Map<String, String> headers, String body) {}

  static Path fixtures() {
    for (String candidate :
        List.of(
            "../../shared/test-peers/openstack/fixtures-zed",
            "../shared/test-peers/openstack/fixtures-zed")) {
      Path dir = Path.of(candidate);
      if (Files.isDirectory(dir)) {
        return dir;
      }
    }
    assumeTrue(
        false,
        "../shared/test-peers/openstack/fixtures-zed is absent: recorded-response tests skipped");
    throw new IllegalStateException("unreachable");
  }

  RecordedCloud() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    server.createContext("/", this::handle);
    server.start();
    // a fresh token (the recorded one has expired) with the catalog pointing here
    routeToken(Instant.now().plus(1, ChronoUnit.HOURS));
  }

  /** Answers logins with the recorded token, expiring at {@code expiresAt}. */
  RecordedCloud routeToken(Instant expiresAt) {
    ObjectNode token = (ObjectNode) fixture("02-keystone-auth-201");
    ((ObjectNode) token.path("response").path("body").path("token"))
        .put("expires_at", expiresAt.toString());
    unroute("POST /v3/auth/tokens");
    return route("POST /v3/auth/tokens", token, Map.of("X-Subject-Token", "recorded-token"));
  }

  String keystone() {
    return base + "/v3";
  }

  /** Reads a fixture by its file name without {@code .json}. */
  static JsonNode fixture(String name) {
    try {
      return JSON.readTree(fixtures().resolve(name + ".json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Answers {@code request} with the recorded response (the last route given repeats). */
  RecordedCloud route(String request, JsonNode recorded) {
    return route(request, recorded, Map.of());
  }

  RecordedCloud route(String request, JsonNode recorded, Map<String, String> extraHeaders) {
    JsonNode response = recorded.path("response");
    Map<String, String> headers = new java.util.HashMap<>();
    response
        .path("headers")
        .fields()
        .forEachRemaining(
            h -> {
              if (!h.getValue().isNull() && !h.getKey().equalsIgnoreCase("Content-Length")) {
                headers.put(h.getKey(), h.getValue().asText());
              }
            });
    headers.putAll(extraHeaders);
    JsonNode body = response.path("body");
    String text = body.isMissingNode() || body.isNull() ? "" : body.toString();
    return route(request, new Reply(response.path("status").asInt(), headers, text));
  }

  RecordedCloud route(String request, Reply reply) {
    routes.computeIfAbsent(request, key -> new ArrayDeque<>()).add(reply);
    return this;
  }

  /** Forgets the routes of {@code request}. */
  RecordedCloud unroute(String request) {
    routes.remove(request);
    return this;
  }

  RecordedCloud routeStatus(String request, int status, String body) {
    return route(request, new Reply(status, Map.of("Content-Type", "application/json"), body));
  }

  private void handle(HttpExchange exchange) throws IOException {
    String request = exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
    requests.add(request);
    exchange.getRequestBody().readAllBytes();
    Deque<Reply> replies = routes.get(request);
    Reply reply;
    if (replies == null || replies.isEmpty()) {
      reply =
          new Reply(
              404,
              Map.of("Content-Type", "application/json"),
              "{\"itemNotFound\": {\"code\": 404, \"message\": \"no recorded reply for "
                  + request
                  + "\"}}");
    } else {
      synchronized (replies) {
        reply = replies.size() > 1 ? replies.poll() : replies.peek();
      }
    }
    // the recorded URLs name the real cloud's ports; all services are this server here
    String body =
        reply.body().replaceAll("http://127\\.0\\.0\\.1:(5000|8774|8776|9292|9696)", base);
    reply
        .headers()
        .forEach(
            (name, value) ->
                exchange
                    .getResponseHeaders()
                    .add(
                        name,
                        value.replaceAll(
                            "http://127\\.0\\.0\\.1:(5000|8774|8776|9292|9696)", base)));
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** A copy of a recorded response with one field of its body's {@code member} changed. */
  static JsonNode withField(String fixture, String member, String field, String value) {
    JsonNode recorded = fixture(fixture).deepCopy();
    JsonNode body = recorded.path("response").path("body");
    ObjectNode target = (ObjectNode) (member == null ? body : body.path(member));
    target.put(field, value);
    return recorded;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
