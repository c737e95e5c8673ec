package io.vmimport.target.harvester;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How the image server listens, how Harvester reaches it, and how much a client may hold of it.
 *
 * @param bind address and port to listen on (port 0 picks a free one)
 * @param advertisedBaseUri the base URL Harvester downloads from (e.g. the operator's Service),
 *     when it differs from the bound address
 * @param tls serve HTTPS with this context; plain HTTP when empty
 * @param limits what one client may hold: connections, and how long it may keep one without asking
 *     or reading
 */
public record ImageServerConfig(
    InetSocketAddress bind,
    Optional<URI> advertisedBaseUri,
    Optional<SSLContext> tls,
    Limits limits) {
  public ImageServerConfig {
    requireNonNull(bind, "bind is null");
    requireNonNull(advertisedBaseUri, "advertisedBaseUri is null");
    requireNonNull(tls, "tls is null");
    requireNonNull(limits, "limits is null");
  }

  /** With the {@link Limits#DEFAULTS default limits}. */
  public ImageServerConfig(
      InetSocketAddress bind, Optional<URI> advertisedBaseUri, Optional<SSLContext> tls) {
    this(bind, advertisedBaseUri, tls, Limits.DEFAULTS);
  }

  /** Plain HTTP on 127.0.0.1, a free port, default limits. */
  public static ImageServerConfig loopback() {
    return new ImageServerConfig(
        new InetSocketAddress("127.0.0.1", 0), Optional.empty(), Optional.empty());
  }

  /** This configuration with other limits. */
  public ImageServerConfig withLimits(Limits limits) {
    return new ImageServerConfig(bind, advertisedBaseUri, tls, limits);
  }

  /**
   * What keeps a misbehaving or hostile client from starving the server. The image server is
   * reached through a Service, so anything in the cluster can open connections to it; these bound
   * what such connections cost. A connection handles one request at a time (pipelined requests wait
   * unread in the socket), so it holds at most one open file.
   *
   * @param maxConnections connections open at once; a connection beyond them is answered 503 and
   *     closed at once. Harvester opens one or two per downloading image. Default 256
   * @param requestTimeout how long a connection may take to deliver a complete request head,
   *     counted from when it is ready for one (accepted, or its previous response sent): a
   *     half-sent request or an idle kept-alive connection is closed after it, however slowly its
   *     bytes trickle in. Default 30 s
   * @param sendTimeout how long a response may make no progress (the client reads nothing) before
   *     the connection is closed; the check runs once per period, so the cut comes after one to two
   *     periods without progress. Generous, since a download pauses while its reader flushes to
   *     disk. Default 5 min
   */
  public record Limits(int maxConnections, Duration requestTimeout, Duration sendTimeout) {
    public static final Limits DEFAULTS =
        new Limits(256, Duration.ofSeconds(30), Duration.ofMinutes(5));

    public Limits {
      requireNonNull(requestTimeout, "requestTimeout is null");
      requireNonNull(sendTimeout, "sendTimeout is null");
      if (maxConnections < 1) {
        throw new IllegalArgumentException(
            "the image server's maxConnections must be at least 1: " + maxConnections);
      }
      if (requestTimeout.toMillis() < 1 || sendTimeout.toMillis() < 1) {
        throw new IllegalArgumentException(
            "the image server's timeouts must be at least 1 ms: request "
                + requestTimeout
                + ", send "
                + sendTimeout);
      }
    }
  }
}
