package io.vmimport.operator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 in front of a server, whose server-to-client bandwidth a test can limit.
 * TLS passes through untouched, so certificates are checked end to end. A slow source makes
 * "mid-export" a moment a test can reach without gigabyte disks.
 */
final class ThrottlingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicLong toClient = new AtomicLong();
  private volatile long bytesPerSecond;

  private ThrottlingProxy(int targetPort) throws IOException {
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.targetPort = targetPort;
    Thread accepting = new Thread(this::accept, "proxy-accept-" + listener.getLocalPort());
    accepting.setDaemon(true);
    accepting.start();
  }

  /** Starts a proxy to {@code 127.0.0.1:targetPort}, unlimited until {@link #limit} is called. */
  static ThrottlingProxy to(int targetPort) throws IOException {
    return new ThrottlingProxy(targetPort);
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Limits what the server sends on each connection, in bytes per second; 0 lifts the limit. */
  void limit(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
  }

  /** Bytes passed from the server to clients so far. */
  long bytesToClients() {
    return toClient.get();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        sockets.add(client);
        sockets.add(server);
        pump(client, server, false);
        pump(server, client, true);
      } catch (IOException e) {
        if (!listener.isClosed()) {
          throw new IllegalStateException("proxy failed to accept", e);
        }
      }
    }
  }

  private void pump(Socket from, Socket to, boolean throttled) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                while (true) {
                  long limit = throttled ? bytesPerSecond : 0;
                  // a tenth of a second's worth at a time keeps the rate smooth
                  int chunk =
                      limit > 0
                          ? (int) Math.max(1, Math.min(buffer.length, limit / 10))
                          : buffer.length;
                  int n = in.read(buffer, 0, chunk);
                  if (n < 0) {
                    break;
                  }
                  out.write(buffer, 0, n);
                  out.flush();
                  if (throttled) {
                    toClient.addAndGet(n);
                  }
                  if (limit > 0) {
                    TimeUnit.NANOSECONDS.sleep(n * 1_000_000_000L / limit);
                  }
                }
              } catch (IOException | InterruptedException e) {
                // one side went away: the other goes too
              } finally {
                close(from);
                close(to);
              }
            },
            "proxy-pump");
    thread.setDaemon(true);
    thread.start();
  }

  private void close(Socket socket) {
    sockets.remove(socket);
    try {
      socket.close();
    } catch (IOException e) {
      // already gone
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket socket : Set.copyOf(sockets)) {
      close(socket);
    }
  }
}
