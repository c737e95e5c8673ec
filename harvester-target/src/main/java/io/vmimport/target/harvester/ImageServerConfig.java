package io.vmimport.target.harvester;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How the image server listens and how Harvester reaches it.
 *
 * @param bind address and port to listen on (port 0 picks a free one)
 * @param advertisedBaseUri the base URL Harvester downloads from (e.g. the operator's Service),
 *     when it differs from the bound address
 * @param tls serve HTTPS with this context; plain HTTP when empty
 */
public record ImageServerConfig(
    InetSocketAddress bind, Optional<URI> advertisedBaseUri, Optional<SSLContext> tls) {
  public ImageServerConfig {
    requireNonNull(bind, "bind is null");
    requireNonNull(advertisedBaseUri, "advertisedBaseUri is null");
    requireNonNull(tls, "tls is null");
  }

  /** Plain HTTP on 127.0.0.1, a free port. */
  public static ImageServerConfig loopback() {
    return new ImageServerConfig(
        new InetSocketAddress("127.0.0.1", 0), Optional.empty(), Optional.empty());
  }
}
