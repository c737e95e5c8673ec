package io.vmimport.target.harvester;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image server with TLS, using a key pair made by the JDK's keytool. */
class ImageServerTlsIT {
  private static final char[] PASSWORD = "changeit".toCharArray();

  @TempDir Path dir;

  private KeyStore keyStore() throws Exception {
    Path store = dir.resolve("server.p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process process =
        new ProcessBuilder(
                List.of(
                    keytool.toString(),
                    "-genkeypair",
                    "-alias",
                    "image-server",
                    "-keyalg",
                    "EC",
                    "-dname",
                    "CN=127.0.0.1",
                    "-ext",
                    "SAN=IP:127.0.0.1",
                    "-validity",
                    "2",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    store.toString(),
                    "-storepass",
                    new String(PASSWORD)))
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("keytool: %s", output).isZero();
    KeyStore keyStore = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keyStore.load(in, PASSWORD);
    }
    return keyStore;
  }

  @Test
  void servesRangesAndWholeFilesOverTls() throws Exception {
    KeyStore keys = keyStore();
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, PASSWORD);
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(keyManagers.getKeyManagers(), null, null);
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(keys);
    SSLContext clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, trust.getTrustManagers(), null);
    Path disk = ImageServerIT.sparseDisk(dir.resolve("disk-0.qcow2"), 8L << 20, 3);

    try (ImageServer server =
        ImageServer.start(
            new ImageServerConfig(
                new InetSocketAddress("127.0.0.1", 0),
                Optional.empty(),
                Optional.of(serverContext)))) {
      URI uri = server.register(disk).toURI();
      HttpClient http = HttpClient.newBuilder().sslContext(clientContext).build();

      assertThat(uri.getScheme()).isEqualTo("https");
      HttpResponse<byte[]> range =
          http.send(
              HttpRequest.newBuilder(uri).header("Range", "bytes=100-199").build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(range.statusCode()).isEqualTo(206);
      assertThat(range.body()).isEqualTo(Arrays.copyOfRange(Files.readAllBytes(disk), 100, 200));
      HttpResponse<InputStream> whole =
          http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = whole.body()) {
        assertThat(ImageServerIT.sha256(body))
            .isEqualTo(ImageServerIT.sha256(Files.newInputStream(disk)));
      }

      HttpClient untrusting = HttpClient.newHttpClient();
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  untrusting.send(
                      HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()))
          .isInstanceOf(SSLHandshakeException.class);
    }
  }
}
