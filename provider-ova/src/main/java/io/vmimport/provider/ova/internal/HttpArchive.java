package io.vmimport.provider.ova.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.provider.support.HttpDownload;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OVA behind an http(s) URL. The readiness check is a HEAD (the JDK client); archive bytes come
 * through provider-support's {@link HttpDownload}, with a range request where the server offers
 * them.
 */
final class HttpArchive implements OvaArchive {
  private static final Logger log = LoggerFactory.getLogger(HttpArchive.class);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+\\d+-\\d+/(\\d+)");
  private static final int ERROR_BODY_BYTES = 512;

  private final OvaSettings settings;
  private final SSLContext sslContext;
  private volatile Probe probe;

  /** What the first ranged GET told about the server. */
  private record Probe(boolean ranges, OptionalLong length) {}

  HttpArchive(OvaSettings settings) {
    this.settings = settings;
    this.sslContext = OvaTls.verifying(settings.caPem(), settings.secretName());
  }

  @Override
  public String shown() {
    return settings.shownUrl();
  }

  @Override
  public List<ValidationIssue> check() {
    // a client per check: its threads end with it, and sources are checked minutes apart
    HttpClient client =
        HttpClient.newBuilder()
            .sslContext(sslContext)
            .connectTimeout(CONNECT_TIMEOUT)
            .proxy(HttpClient.Builder.NO_PROXY)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(settings.url()).method("HEAD", HttpRequest.BodyPublishers.noBody());
    if (!settings.readTimeout().isZero()) {
      request.timeout(settings.readTimeout());
    }
    headers(Map.of()).forEach(request::header);
    int status;
    try {
      status = client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return translateAsIssue(e, "HEAD");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VmImportException(ErrorCode.CANCELLED, "check of " + shown() + " interrupted", e);
    }
    if (status == 405 || status == 501) {
      // some servers refuse HEAD: a GET of one byte says the same
      try (HttpDownload download = get(Map.of("Range", "bytes=0-0"))) {
        status = download.status();
        download.bodyPrefix(ERROR_BODY_BYTES);
      } catch (IOException e) {
        return translateAsIssue(e, "GET");
      }
    }
    return statusProblem(status)
        .map(problem -> List.of(ValidationIssue.error(problem.code(), "spec.url", problem.text())))
        .orElse(List.of());
  }

  private List<ValidationIssue> translateAsIssue(IOException e, String method) {
    VmImportException failure = translate(e, method + " " + shown());
    if (failure.code() == ErrorCode.TLS_UNTRUSTED) {
      return List.of(ValidationIssue.error(ErrorCode.TLS_UNTRUSTED, failure.getMessage()));
    }
    throw failure;
  }

  @Override
  public boolean seekable() {
    return probe().ranges();
  }

  @Override
  public OptionalLong length() {
    return probe().length();
  }

  private Probe probe() {
    Probe known = probe;
    if (known != null) {
      return known;
    }
    HttpDownload download = send(Map.of("Range", "bytes=0-511"));
    try (download) {
      Probe found;
      if (download.status() == 206) {
        Matcher total = CONTENT_RANGE.matcher(String.valueOf(download.header("content-range")));
        found =
            new Probe(
                true,
                total.matches()
                    ? OptionalLong.of(Long.parseLong(total.group(1)))
                    : OptionalLong.empty());
      } else {
        log.info(
            "{} does not answer range requests: parts of the archive are read from its start",
            shown());
        found = new Probe(false, download.length());
      }
      download.bodyPrefix(ERROR_BODY_BYTES);
      probe = found;
      return found;
    } catch (IOException e) {
      throw translate(e, "GET " + shown());
    }
  }

  @Override
  public InputStream open(long offset, long length) {
    boolean ranged = seekable();
    Map<String, String> range =
        ranged && length > 0
            ? Map.of("Range", "bytes=" + offset + "-" + (offset + length - 1))
            : Map.of();
    HttpDownload download = send(range);
    try {
      long skip = offset;
      if (download.status() == 206) {
        skip = 0;
      }
      InputStream body = new Guarded(download, offset, length);
      long skipped = body.skip(skip);
      if (skipped < skip) {
        throw new EOFException(
            "the archive at " + shown() + " ends at byte " + skipped + ", before byte " + offset);
      }
      return body;
    } catch (IOException | RuntimeException e) {
      close(download);
      if (e instanceof VmImportException known) {
        throw known;
      }
      if (e instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw translate((IOException) e, "GET " + shown());
    }
  }

  /** Sends a GET; any status but 200 and 206 is an exception naming what to fix. */
  private HttpDownload send(Map<String, String> extra) {
    HttpDownload download;
    try {
      download = get(extra);
    } catch (IOException e) {
      throw translate(e, "GET " + shown());
    }
    int status = download.status();
    if (status == 200 || status == 206) {
      return download;
    }
    download.bodyPrefix(ERROR_BODY_BYTES);
    close(download);
    Problem problem =
        statusProblem(status)
            .orElse(
                new Problem(ErrorCode.SOURCE_UNAVAILABLE, shown() + " answered HTTP " + status));
    throw new VmImportException(problem.code(), problem.text());
  }

  private HttpDownload get(Map<String, String> extra) throws IOException {
    return HttpDownload.get(
        settings.url(), sslContext, headers(extra), CONNECT_TIMEOUT, settings.readTimeout());
  }

  private Map<String, String> headers(Map<String, String> extra) {
    Map<String, String> headers = new LinkedHashMap<>(extra);
    settings
        .basicAuth()
        .ifPresent(
            auth ->
                headers.put(
                    "Authorization",
                    "Basic "
                        + Base64.getEncoder()
                            .encodeToString(
                                (auth.username() + ":" + auth.password())
                                    .getBytes(StandardCharsets.UTF_8))));
    return headers;
  }

  private record Problem(ErrorCode code, String text) {}

  private Optional<Problem> statusProblem(int status) {
    if (status >= 200 && status < 300) {
      return Optional.empty();
    }
    String url = shown();
    return Optional.of(
        switch (status) {
          case 401 ->
              new Problem(
                  ErrorCode.AUTHENTICATION_FAILED,
                  settings.basicAuth().isPresent()
                      ? url
                          + " refused the username and password of Secret "
                          + settings.secretName()
                          + " (HTTP 401); fix them in the Secret"
                      : url
                          + " needs credentials (HTTP 401); put username and password in a"
                          + " Secret and name it in spec.credentials");
          case 403 ->
              new Problem(
                  ErrorCode.PERMISSION_DENIED,
                  url + " is forbidden to this user (HTTP 403); check the server's permissions");
          case 404, 410 ->
              new Problem(
                  ErrorCode.NOT_FOUND,
                  url + " does not exist on the server (HTTP " + status + "); check spec.url");
          default ->
              status >= 500
                  ? new Problem(
                      ErrorCode.SOURCE_UNAVAILABLE,
                      url + " answered HTTP " + status + ", a server error")
                  : new Problem(
                      ErrorCode.INVALID_SPEC,
                      url + " answered HTTP " + status + "; check spec.url");
        });
  }

  /** An I/O failure as the exception a user can act on. */
  VmImportException translate(IOException e, String what) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SSLHandshakeException
          || cause instanceof javax.net.ssl.SSLPeerUnverifiedException
          || cause instanceof java.security.cert.CertificateException) {
        return new VmImportException(
            ErrorCode.TLS_UNTRUSTED,
            "the certificate of "
                + settings.url().getHost()
                + " is not trusted ("
                + cause.getMessage()
                + "); put the CA certificate (PEM) under key ca.crt of "
                + (settings.caPem().isPresent()
                    ? "Secret " + settings.secretName() + ": the one there did not sign it"
                    : "a Secret named in spec.credentials"),
            e);
      }
      if (cause instanceof SocketTimeoutException || cause instanceof HttpTimeoutException) {
        return timeout(what, e);
      }
      if (cause instanceof ConnectException
          || cause instanceof UnknownHostException
          || cause instanceof NoRouteToHostException) {
        return new VmImportException(
            ErrorCode.SOURCE_UNAVAILABLE,
            what + " failed: " + settings.url().getHost() + " cannot be reached (" + cause + ")",
            e);
      }
    }
    if (e instanceof SSLException) {
      return new VmImportException(
          ErrorCode.SOURCE_UNAVAILABLE, what + " failed in TLS: " + e.getMessage(), e);
    }
    return new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, what + " failed: " + e, e);
  }

  private VmImportException timeout(String what, Exception cause) {
    return new VmImportException(
        ErrorCode.TIMEOUT,
        what
            + ": the server sent nothing for "
            + settings.readTimeout().toSeconds()
            + " s (spec.httpTimeoutSeconds)",
        cause);
  }

  private static void close(HttpDownload download) {
    try {
      download.close();
    } catch (IOException e) {
      log.debug("closing a refused download failed: {}", e.toString());
    }
  }

  /**
   * The body of one GET, bounded to the range asked for: a short body is an {@link EOFException}
   * naming the bytes, a stall is a TIMEOUT naming the setting.
   */
  private final class Guarded extends FilterInputStream {
    private final HttpDownload download;
    private final long offset;
    private final long end;
    private long position;

    Guarded(HttpDownload download, long offset, long length) {
      super(download.body());
      this.download = download;
      this.offset = offset;
      // a whole archive sent from its start: count from zero
      this.position = download.status() == 206 ? offset : 0;
      this.end = offset + length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (position >= end) {
        return -1;
      }
      int n;
      try {
        n = in.read(buffer, off, (int) Math.min(len, end - position));
      } catch (SocketTimeoutException e) {
        throw timeout("reading " + shown() + " at byte " + position, e);
      }
      if (n < 0) {
        throw new EOFException(
            "the archive at "
                + shown()
                + " ends at byte "
                + position
                + ", before byte "
                + end
                + " (from "
                + offset
                + ") that it needs");
      }
      position += n;
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] sink = new byte[64 * 1024];
      long skipped = 0;
      while (skipped < n) {
        int k;
        try {
          k = in.read(sink, 0, (int) Math.min(sink.length, n - skipped));
        } catch (SocketTimeoutException e) {
          throw timeout("reading " + shown() + " at byte " + position, e);
        }
        if (k < 0) {
          break;
        }
        skipped += k;
        position += k;
      }
      return skipped;
    }

    @Override
    public void close() throws IOException {
      download.close();
    }
  }
}
