package io.vmimport.provider.ova;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx (Debian's nginx-light, installed by scripts/install-test-deps.sh) serving a
 * directory on 127.0.0.1: over https with a certificate from a throw-away CA, {@code /private/}
 * behind basic auth, {@code /slow/} sent at 8 KiB/s; and over plain http with range requests turned
 * off. One process (no master), stopped by its PID.
 */
public final class Nginx implements AutoCloseable {
  public static final String USER = "ova-reader";
  public static final String PASSWORD = "correct-horse-ova-42";
  private static final Path BINARY = Path.of("/usr/sbin/nginx");

  private final Process process;
  private final int httpsPort;
  private final int httpPort;
  private final Path ca;

  private Nginx(Process process, int httpsPort, int httpPort, Path ca) {
    this.process = process;
    this.httpsPort = httpsPort;
    this.httpPort = httpPort;
    this.ca = ca;
  }

  public static void assumeInstalled() {
    assumeTrue(
        Files.isExecutable(BINARY),
        "skipped: needs nginx at " + BINARY + "; run scripts/install-test-deps.sh as root");
  }

  /** Serves {@code root}; {@code work} holds the configuration, keys and logs. */
  public static Nginx start(Path root, Path work) throws Exception {
    assumeInstalled();
    Path tls = TestCa.create(work.resolve("ca"), "vmimport-ova-test-ca");
    TestCa.issueServerCertificate(tls, "127.0.0.1");
    String hash = TestCa.run(work, "openssl", "passwd", "-apr1", PASSWORD).trim();
    Path htpasswd = work.resolve("htpasswd");
    Files.writeString(htpasswd, USER + ":" + hash + "\n");
    Files.createDirectories(work.resolve("tmp"));
    int httpsPort = freePort();
    int httpPort = freePort();
    String tmp = work.resolve("tmp").toAbsolutePath().toString();
    String conf =
        """
        daemon off;
        master_process off;
        worker_processes 1;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log info;
        events { worker_connections 64; }
        http {
          access_log %1$s/access.log;
          client_body_temp_path %2$s/body;
          proxy_temp_path %2$s/proxy;
          fastcgi_temp_path %2$s/fastcgi;
          uwsgi_temp_path %2$s/uwsgi;
          scgi_temp_path %2$s/scgi;
          types { application/x-tar ova; }
          default_type application/octet-stream;
          server {
            listen 127.0.0.1:%3$d ssl;
            ssl_certificate %4$s;
            ssl_certificate_key %5$s;
            root %6$s;
            location /private/ {
              auth_basic "ova";
              auth_basic_user_file %7$s;
            }
            location /slow/ {
              limit_rate 8k;
            }
          }
          server {
            listen 127.0.0.1:%8$d;
            root %6$s;
            max_ranges 0;
          }
        }
        """
            .formatted(
                work.toAbsolutePath(),
                tmp,
                httpsPort,
                tls.resolve("server.crt").toAbsolutePath(),
                tls.resolve("server.key").toAbsolutePath(),
                root.toAbsolutePath(),
                htpasswd.toAbsolutePath(),
                httpPort);
    Path confFile = work.resolve("nginx.conf");
    Files.writeString(confFile, conf);
    Process process =
        new ProcessBuilder(
                BINARY.toString(),
                "-p",
                work.toAbsolutePath().toString(),
                "-c",
                confFile.toString())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("nginx.out").toFile())
            .start();
    Nginx nginx = new Nginx(process, httpsPort, httpPort, tls.resolve("ca.crt"));
    try {
      awaitListening(process, httpsPort, work);
      awaitListening(process, httpPort, work);
    } catch (Exception e) {
      nginx.close();
      throw e;
    }
    return nginx;
  }

  private static void awaitListening(Process process, int port, Path work) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "nginx exited: " + Files.readString(work.resolve("nginx.out")));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        TimeUnit.MILLISECONDS.sleep(100);
      }
    }
    throw new IllegalStateException("nginx did not listen on 127.0.0.1:" + port + " in 20 s");
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** {@code https://127.0.0.1:port/path}. */
  public URI https(String path) {
    return URI.create("https://127.0.0.1:" + httpsPort + "/" + path);
  }

  /** {@code http://127.0.0.1:port/path}, a server without range requests. */
  public URI http(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + "/" + path);
  }

  /** The PEM of the CA that signed the server's certificate. */
  public String caPem() throws IOException {
    return Files.readString(ca);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
