package io.vmimport.tck;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A loopback listener that speaks just enough HTTP to record what a client sends in clear: it reads
 * each request (headers and a body of {@code Content-Length}), keeps the bytes, and answers {@code
 * 503} so the client gives up. What a provider sends here would cross a network unencrypted.
 */
final class PlainHttpListener implements AutoCloseable {
  private static final int READ_TIMEOUT_MILLIS = 2_000;
  private static final int MAX_REQUEST_BYTES = 1 << 20;

  private final ServerSocket server;
  private final Thread acceptor;
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();

  private PlainHttpListener(ServerSocket server) {
    this.server = server;
    this.acceptor = new Thread(this::serve, "tck-plain-http-listener");
    this.acceptor.setDaemon(true);
  }

  static PlainHttpListener start() throws IOException {
    PlainHttpListener listener =
        new PlainHttpListener(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    listener.acceptor.start();
    return listener;
  }

  /** {@code http://127.0.0.1:<port>/}. */
  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/");
  }

  /** Every byte received so far, as text. */
  String received() {
    synchronized (received) {
      return received.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private void serve() {
    while (!server.isClosed()) {
      try (Socket socket = server.accept()) {
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        readRequest(socket.getInputStream());
        socket
            .getOutputStream()
            .write(
                ("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
      } catch (SocketTimeoutException e) {
        // the client sent less than it announced or waits for us: what came is recorded
      } catch (IOException e) {
        if (server.isClosed()) {
          return;
        }
        // one broken connection (the client gave up) does not end the listener
      }
    }
  }

  private void readRequest(InputStream input) throws IOException {
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    try {
      int headerEnd = -1;
      while (headerEnd < 0 && request.size() < MAX_REQUEST_BYTES) {
        int b = input.read();
        if (b < 0) {
          return;
        }
        request.write(b);
        record(b);
        headerEnd = request.toString(StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n");
      }
      long body = contentLength(request.toString(StandardCharsets.ISO_8859_1));
      for (long i = 0; i < body && i < MAX_REQUEST_BYTES; i++) {
        int b = input.read();
        if (b < 0) {
          return;
        }
        record(b);
      }
    } catch (SocketTimeoutException e) {
      // e.g. a TLS client that waits for a ServerHello: keep what it sent
    }
  }

  private void record(int b) {
    synchronized (received) {
      received.write(b);
    }
  }

  private static long contentLength(String headers) {
    for (String line : headers.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0
          && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
        try {
          return Long.parseLong(line.substring(colon + 1).trim());
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 0;
  }

  @Override
  public void close() throws IOException {
    server.close();
    try {
      acceptor.join(READ_TIMEOUT_MILLIS * 2L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
