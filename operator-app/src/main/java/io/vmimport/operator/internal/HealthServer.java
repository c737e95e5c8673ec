package io.vmimport.operator.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal HTTP/1.1 server for probes and metrics that a client cannot starve.
 *
 * <p>The JDK's {@code com.sun.net.httpserver} it replaces gave a connection its thread until the
 * request arrived: one half-sent request blocked {@code /healthz} for as long as its client stayed,
 * and the kubelet then restarted a healthy operator. Its timeouts are JVM-wide system properties.
 * Here one thread multiplexes every connection with non-blocking sockets, so a connection costs a
 * socket and a small buffer, never a thread; each connection has a deadline by which its request
 * must have arrived and its answer been sent, after which it is closed; and when the connection cap
 * is reached the oldest connection makes room for the new one, so a flood of idle connections
 * cannot keep a probe out. One request per connection ({@code Connection: close}), GET and HEAD
 * only, no request bodies: all the kubelet and Prometheus need.
 *
 * <p>Routes run on the server's thread and must answer from memory without blocking.
 */
public final class HealthServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthServer.class);
  // a request head longer than this is no probe
  private static final int MAX_HEAD = 8192;

  /** An answer: status code and a plain-text body. */
  public record Reply(int status, String body) {
    public Reply {
      requireNonNull(body, "body is null");
    }
  }

  /**
   * @param maxConnections connections kept at once; a new one beyond them closes the oldest
   * @param deadline from accepting a connection to having sent its answer
   */
  public record Limits(int maxConnections, Duration deadline) {
    public static final Limits DEFAULTS = new Limits(64, Duration.ofSeconds(5));

    public Limits {
      requireNonNull(deadline, "deadline is null");
      if (maxConnections < 1 || deadline.toMillis() < 1) {
        throw new IllegalArgumentException(
            "at least one connection and 1 ms: " + maxConnections + ", " + deadline);
      }
    }
  }

  private final String name;
  private final Map<String, Supplier<Reply>> routes;
  private final Limits limits;
  private final Selector selector;
  private final ServerSocketChannel server;
  private final Thread thread;
  // in accept order, so the head is the oldest
  private final Deque<Connection> connections = new ArrayDeque<>();

  private HealthServer(
      String name, InetSocketAddress bind, Map<String, Supplier<Reply>> routes, Limits limits)
      throws IOException {
    this.name = name;
    this.routes = Map.copyOf(routes);
    this.limits = limits;
    this.selector = Selector.open();
    try {
      this.server = ServerSocketChannel.open();
      server.bind(bind);
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException | RuntimeException e) {
      selector.close();
      throw e;
    }
    this.thread = new Thread(this::run, "vmimport-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Listens on {@code bind} and answers the paths of {@code routes}; 404 for any other path.
   *
   * @param name for the thread and the logs: what the port serves
   */
  public static HealthServer start(
      String name, InetSocketAddress bind, Map<String, Supplier<Reply>> routes, Limits limits) {
    try {
      return new HealthServer(name, bind, routes, limits);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot listen on " + bind + " for " + name + ": choose another port", e);
    }
  }

  public int port() {
    return server.socket().getLocalPort();
  }

  @Override
  public void close() {
    try {
      selector.close(); // wakes the thread, which then ends
      thread.join(Duration.ofSeconds(5).toMillis());
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close the " + name + " server", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      connections.forEach(Connection::close);
    }
  }

  private void run() {
    try {
      while (selector.isOpen()) {
        long now = System.nanoTime();
        expire(now);
        Connection oldest = connections.peekFirst();
        long wait = oldest == null ? 0 : Math.max(1, (oldest.deadline - now) / 1_000_000);
        selector.select(wait);
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          SelectionKey key = keys.next();
          keys.remove();
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            accept();
          } else if (key.attachment() instanceof Connection connection) {
            connection.ready(key);
          }
        }
      }
    } catch (ClosedSelectorException e) {
      // close() was called
    } catch (IOException | RuntimeException e) {
      // nothing here should fail; if it does, the liveness probe notices and restarts the pod
      log.error("the {} server stopped", name, e);
    }
  }

  private void expire(long now) {
    // deadlines grow with accept order: the expired ones are at the head
    while (!connections.isEmpty() && connections.peekFirst().deadline - now <= 0) {
      connections.pollFirst().close();
    }
  }

  private void accept() throws IOException {
    for (SocketChannel socket; (socket = server.accept()) != null; ) {
      if (connections.size() >= limits.maxConnections()) {
        Connection evicted = connections.pollFirst();
        log.debug("{}: {} connections open; closing the oldest", name, limits.maxConnections());
        evicted.close();
      }
      socket.configureBlocking(false);
      Connection connection =
          new Connection(socket, System.nanoTime() + limits.deadline().toNanos());
      socket.register(selector, SelectionKey.OP_READ, connection);
      connections.addLast(connection);
    }
  }

  private Reply route(String method, String target) {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return new Reply(405, "only GET and HEAD\n");
    }
    int query = target.indexOf('?');
    Supplier<Reply> route = routes.get(query < 0 ? target : target.substring(0, query));
    if (route == null) {
      return new Reply(404, "not found\n");
    }
    try {
      return route.get();
    } catch (RuntimeException e) {
      log.error("{} {} failed", name, target, e);
      return new Reply(500, e + "\n");
    }
  }

  private final class Connection {
    private final SocketChannel socket;
    private final long deadline;
    private final ByteBuffer in = ByteBuffer.allocate(MAX_HEAD);
    private ByteBuffer out;

    Connection(SocketChannel socket, long deadline) {
      this.socket = socket;
      this.deadline = deadline;
    }

    void ready(SelectionKey key) {
      try {
        if (out == null) {
          if (socket.read(in) < 0) {
            finish();
            return;
          }
          int end = headEnd();
          if (end < 0 && in.hasRemaining()) {
            return; // the rest of the head is still to come
          }
          out = end < 0 ? answer(new Reply(431, "request head too large\n"), false) : answer(end);
          key.interestOps(SelectionKey.OP_WRITE);
        }
        socket.write(out);
        if (!out.hasRemaining()) {
          finish();
        }
      } catch (IOException e) {
        log.debug("{}: connection failed: {}", name, e.toString());
        finish();
      }
    }

    /** The index after the blank line that ends the request head, or -1. */
    private int headEnd() {
      byte[] bytes = in.array();
      for (int i = 0; i < in.position(); i++) {
        if (bytes[i] == '\n'
            && ((i >= 1 && bytes[i - 1] == '\n')
                || (i >= 3 && bytes[i - 1] == '\r' && bytes[i - 2] == '\n'))) {
          return i + 1;
        }
      }
      return -1;
    }

    private ByteBuffer answer(int headEnd) {
      String head = new String(in.array(), 0, headEnd, US_ASCII);
      String[] requestLine = head.substring(0, head.indexOf('\n')).trim().split(" ");
      if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
        return answer(new Reply(400, "bad request\n"), false);
      }
      return answer(route(requestLine[0], requestLine[1]), requestLine[0].equals("HEAD"));
    }

    private ByteBuffer answer(Reply reply, boolean head) {
      byte[] body = reply.body().getBytes(UTF_8);
      String response =
          "HTTP/1.1 "
              + reply.status()
              + " "
              + reason(reply.status())
              + "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8"
              + "\r\nContent-Length: "
              + body.length
              + "\r\nConnection: close\r\n\r\n";
      ByteBuffer buffer = ByteBuffer.allocate(response.length() + (head ? 0 : body.length));
      buffer.put(response.getBytes(US_ASCII));
      if (!head) {
        buffer.put(body);
      }
      return buffer.flip();
    }

    private void finish() {
      connections.remove(this);
      close();
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        log.debug("{}: closing a connection failed: {}", name, e.toString());
      }
    }
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "Status";
    };
  }
}
