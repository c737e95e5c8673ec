package io.vmimport.provider.openstack.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.WeakHashMap;
import javax.net.ssl.SSLContext;
import org.openstack4j.api.exceptions.ConnectionException;
import org.openstack4j.core.transport.Config;
import org.openstack4j.core.transport.HttpExecutorService;
import org.openstack4j.core.transport.HttpRequest;
import org.openstack4j.core.transport.HttpResponse;
import org.openstack4j.core.transport.ObjectMapperSingleton;

/**
 * The openstack4j connector of this provider, on the JDK's HTTP client. Why not openstack4j's own
 * connectors: the okhttp one hands a per-client SSLContext to {@code
 * OkHttpClient.Builder.sslSocketFactory(SSLSocketFactory)}, which okhttp refuses on Java 9+, and
 * the httpclient one is not published for 3.12. Each {@link Config} carries its client's own
 * SSLContext (never a JVM-wide one); hostnames are verified by the JDK client.
 */
public final class JdkHttpExecutorService implements HttpExecutorService {
  private static final Set<String> RESTRICTED_HEADERS =
      Set.of("connection", "content-length", "expect", "host", "upgrade");

  /** One JDK client (and connection pool) per SSLContext, i.e. per source session. */
  private static final Map<SSLContext, HttpClient> CLIENTS = new WeakHashMap<>();

  static HttpClient clientFor(SSLContext sslContext, Duration connectTimeout) {
    synchronized (CLIENTS) {
      return CLIENTS.computeIfAbsent(
          sslContext,
          context ->
              HttpClient.newBuilder()
                  .sslContext(context)
                  .connectTimeout(connectTimeout)
                  .followRedirects(HttpClient.Redirect.NEVER)
                  .build());
    }
  }

  @Override
  public <R> HttpResponse execute(HttpRequest<R> request) {
    Config config = request.getConfig() == null ? Config.DEFAULT : request.getConfig();
    if (config.isIgnoreSSLVerification()) {
      // never silently insecure: this provider does not offer the option, so nobody should ask
      throw new IllegalStateException("TLS verification cannot be disabled");
    }
    SSLContext sslContext = config.getSslContext();
    if (sslContext == null) {
      try {
        sslContext = SSLContext.getDefault();
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("no default TLS context", e);
      }
    }
    Duration connectTimeout =
        Duration.ofMillis(config.getConnectTimeout() > 0 ? config.getConnectTimeout() : 10_000);
    HttpClient client = clientFor(sslContext, connectTimeout);
    java.net.http.HttpRequest.Builder builder =
        java.net.http.HttpRequest.newBuilder(uri(request))
            .timeout(
                Duration.ofMillis(config.getReadTimeout() > 0 ? config.getReadTimeout() : 120_000));
    if (request.hasHeaders()) {
      for (Map.Entry<String, Object> header : request.getHeaders().entrySet()) {
        if (header.getValue() != null
            && !RESTRICTED_HEADERS.contains(header.getKey().toLowerCase(java.util.Locale.ROOT))) {
          builder.header(header.getKey(), String.valueOf(header.getValue()));
        }
      }
    }
    byte[] body = body(request);
    String contentType =
        request.getContentType() == null ? "application/json" : request.getContentType();
    if (body != null) {
      builder.header("Content-Type", contentType);
    }
    builder.method(
        request.getMethod().name(),
        body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
    try {
      java.net.http.HttpResponse<byte[]> response =
          client.send(builder.build(), BodyHandlers.ofByteArray());
      return new JdkHttpResponse(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new ConnectionException(
          "cannot reach " + request.getEndpoint() + ": " + describe(e), 0, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectionException("interrupted while calling " + request.getEndpoint(), 0, e);
    }
  }

  private static String describe(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static <R> URI uri(HttpRequest<R> request) {
    String url = request.getUrl();
    if (!request.hasQueryParams()) {
      return URI.create(url);
    }
    StringJoiner query = new StringJoiner("&");
    for (Map.Entry<String, List<Object>> param : request.getQueryParams().entrySet()) {
      for (Object value : param.getValue()) {
        query.add(
            URLEncoder.encode(param.getKey(), StandardCharsets.UTF_8)
                + "="
                + URLEncoder.encode(String.valueOf(value), StandardCharsets.UTF_8));
      }
    }
    return URI.create(url + (url.contains("?") ? "&" : "?") + query);
  }

  private static <R> byte[] body(HttpRequest<R> request) {
    Object entity = request.getEntity();
    try {
      if (entity instanceof InputStream stream) {
        return stream.readAllBytes();
      }
      if (entity != null) {
        return ObjectMapperSingleton.getContext(entity.getClass())
            .writer()
            .writeValueAsBytes(entity);
      }
      if (request.hasJson()) {
        return request.getJson().getBytes(StandardCharsets.UTF_8);
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + entity.getClass().getName(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Nova and Cinder actions are POSTs; the JDK client sends an empty body for them
    return null;
  }

  @Override
  public String getExecutorDisplayName() {
    return "vmimport JDK HttpClient connector";
  }
}
