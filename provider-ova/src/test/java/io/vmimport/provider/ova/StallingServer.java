package io.vmimport.provider.ova;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A server on 127.0.0.1 that hangs as web servers do: it answers a HEAD with nothing at all, and a
 * GET with its headers (a range of a tar of 84 992 bytes) and then nothing, holding every
 * connection open until closed.
 */
public final class StallingServer implements AutoCloseable {
  private final ServerSocket server;
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  public StallingServer() throws IOException {
    server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    server.setSoTimeout(0);
    acceptor = new Thread(this::accept, "stalling-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        held.add(socket);
        socket.setSoTimeout(30_000);
        InputStream in = socket.getInputStream();
        // the request ends with an empty line
        int last4 = 0;
        int first = in.read();
        for (int b = first; b >= 0; b = in.read()) {
          last4 = (last4 << 8) | b;
          if (last4 == 0x0d0a0d0a) {
            break;
          }
        }
        if (first == 'H') {
          continue;
        }
        OutputStream out = socket.getOutputStream();
        out.write(
            ("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-511/84992\r\n"
                    + "Content-Length: 512\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      } catch (IOException e) {
        // closed by the test
      }
    }
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/appliance.ova");
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : held) {
      socket.close();
    }
  }
}
