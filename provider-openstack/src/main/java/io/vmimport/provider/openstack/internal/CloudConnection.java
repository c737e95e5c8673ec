package io.vmimport.provider.openstack.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.UserInfoRedaction;
import io.vmimport.api.VmImportException;
import io.vmimport.provider.support.HttpDownload;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.api.exceptions.AuthenticationException;
import org.openstack4j.api.exceptions.ConnectionException;
import org.openstack4j.api.types.Facing;
import org.openstack4j.core.transport.Config;
import org.openstack4j.model.common.Identifier;
import org.openstack4j.model.identity.v3.Endpoint;
import org.openstack4j.model.identity.v3.Service;
import org.openstack4j.model.identity.v3.Token;
import org.openstack4j.openstack.OSFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A logged-in connection to one cloud: the Keystone token (re-issued before it expires, so that a
 * long transfer does not outlive it), the catalog, and HTTP for what openstack4j does not do well
 * (streaming image data with a large buffer, fields it does not map).
 */
public final class CloudConnection {
  private static final Logger LOG = LoggerFactory.getLogger(CloudConnection.class);

  /** Renew the token when less than this is left, so no call runs into its expiry. */
  private static final Duration TOKEN_RENEWAL_MARGIN = Duration.ofMinutes(5);

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration API_TIMEOUT = Duration.ofSeconds(120);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final OpenstackSettings settings;
  private final Config config;
  private final HttpClient http;
  private final SSLContext sslContext;
  private volatile Token token;
  private volatile List<String> plainHttpEndpoints = List.of();

  private CloudConnection(OpenstackSettings settings, SSLContext sslContext) {
    this.settings = requireNonNull(settings, "settings is null");
    this.config =
        Config.newConfig()
            .withSSLContext(sslContext)
            .withConnectionTimeout((int) CONNECT_TIMEOUT.toMillis())
            .withReadTimeout((int) API_TIMEOUT.toMillis());
    this.http = JdkHttpExecutorService.clientFor(sslContext, CONNECT_TIMEOUT);
    this.sslContext = sslContext;
  }

  /** Logs in; fails with a code that tells what is wrong (credentials, project, TLS, region). */
  public static CloudConnection connect(OpenstackSettings settings) {
    CloudConnection connection = new CloudConnection(settings, sslContext(settings));
    if (settings.plainHttpKeystone()) {
      // OpenstackSettings refuses this without the opt-in; with it, every connection says so
      LOG.warn(
          "source {}: logging in to Keystone over plain HTTP at {} ({}: \"true\"): the password"
              + " crosses the network unencrypted",
          settings.source(),
          settings.endpoint(),
          OpenstackSettings.INSECURE_PLAIN_HTTP_SETTING);
    }
    connection.token = connection.authenticate();
    connection.requireRegion();
    connection.checkCatalogTransport();
    return connection;
  }

  /** The services this provider sends the token to. */
  private static final List<String> USED_SERVICE_TYPES =
      List.of("compute", "volumev3", "block-storage", "image", "network");

  /**
   * The token is a credential too: an https Keystone whose catalog sends the other services over
   * plain HTTP would hand it out in clear on every call. Refused like an http Keystone, unless the
   * source opted in; then it is logged here and reported by {@link #plainHttpEndpoints()}.
   */
  private void checkCatalogTransport() {
    List<String> plain = new ArrayList<>();
    for (Service service : token.getCatalog()) {
      if (!USED_SERVICE_TYPES.contains(service.getType())) {
        continue;
      }
      for (Endpoint endpoint : service.getEndpoints()) {
        if (endpoint.getIface() == Facing.PUBLIC
            && settings.region().equals(endpoint.getRegion())
            && endpoint.getUrl() != null
            && "http".equalsIgnoreCase(endpoint.getUrl().getProtocol())) {
          plain.add(
              service.getType() + " " + UserInfoRedaction.redact(endpoint.getUrl().toString()));
        }
      }
    }
    if (!plain.isEmpty() && !settings.insecurePlainHttp()) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "source "
              + settings.source()
              + ": spec.endpoint: the service catalog of "
              + settings.endpoint()
              + " has plain HTTP endpoints "
              + plain
              + ": the token would cross the network unencrypted on every call. Have the cloud"
              + " publish https endpoints, or accept the risk with "
              + OpenstackSettings.OPT_IN_TEXT);
    }
    if (!plain.isEmpty()) {
      LOG.warn(
          "source {}: calling plain HTTP endpoints {} of the catalog ({}: \"true\"): the token"
              + " crosses the network unencrypted",
          settings.source(),
          plain,
          OpenstackSettings.INSECURE_PLAIN_HTTP_SETTING);
    }
    List<String> all = new ArrayList<>();
    if (settings.plainHttpKeystone()) {
      all.add("Keystone " + settings.endpoint());
    }
    all.addAll(plain);
    plainHttpEndpoints = List.copyOf(all);
  }

  /**
   * What this connection reaches over plain HTTP (Keystone, catalog endpoints), by the source's
   * opt-in; empty when everything is https.
   */
  public List<String> plainHttpEndpoints() {
    return plainHttpEndpoints;
  }

  public OpenstackSettings settings() {
    return settings;
  }

  /** An openstack4j client bound to the calling thread (openstack4j sessions are per thread). */
  public OSClientV3 client() {
    return OSFactory.clientFromToken(currentToken(), Facing.PUBLIC, config)
        .useRegion(settings.region());
  }

  Token currentToken() {
    Token current = token;
    if (expiresSoon(current)) {
      synchronized (this) {
        if (expiresSoon(token)) {
          LOG.debug("re-issuing the Keystone token for {}", settings.source());
          token = authenticate();
        }
        current = token;
      }
    }
    return current;
  }

  private static boolean expiresSoon(Token token) {
    if (token.getExpires() == null) {
      return false;
    }
    Instant expires = token.getExpires().toInstant();
    Duration margin = TOKEN_RENEWAL_MARGIN;
    if (token.getIssuedAt() != null) {
      // clouds with very short token lifetimes: renew in the second half, not on every call
      Duration half = Duration.between(token.getIssuedAt().toInstant(), expires).dividedBy(2);
      if (half.compareTo(margin) < 0 && !half.isNegative()) {
        margin = half;
      }
    }
    return expires.isBefore(Instant.now().plus(margin));
  }

  private Token authenticate() {
    try {
      return scopedBuilder().authenticate().getToken();
    } catch (AuthenticationException e) {
      throw authenticationFailure(e);
    } catch (ConnectionException e) {
      throw OpenstackErrors.fromConnectionFailure(e, "reach Keystone at " + settings.endpoint());
    } catch (RuntimeException e) {
      throw OpenstackErrors.translate(e, "log in to Keystone at " + settings.endpoint());
    }
  }

  private org.openstack4j.api.client.IOSClientBuilder.V3 unscopedBuilder() {
    return OSFactory.builderV3()
        .endpoint(settings.endpoint().toString())
        .credentials(
            settings.username(), settings.password(), Identifier.byName(settings.userDomain()))
        .withConfig(config);
  }

  private org.openstack4j.api.client.IOSClientBuilder.V3 scopedBuilder() {
    if (settings.projectId().isPresent()) {
      return unscopedBuilder().scopeToProject(Identifier.byId(settings.projectId().get()));
    }
    return unscopedBuilder()
        .scopeToProject(
            Identifier.byName(settings.projectName()), Identifier.byName(settings.projectDomain()));
  }

  /**
   * Keystone answers 401 for a wrong password and for a project the user cannot scope to alike; an
   * unscoped login tells the two apart.
   */
  private VmImportException authenticationFailure(AuthenticationException scoped) {
    boolean credentialsAccepted;
    try {
      unscopedBuilder().authenticate();
      credentialsAccepted = true;
    } catch (RuntimeException unscoped) {
      credentialsAccepted = false;
    }
    if (credentialsAccepted) {
      return new VmImportException(
          ErrorCode.NOT_FOUND,
          "source "
              + settings.source()
              + ": user '"
              + settings.username()
              + "' logged in, but "
              + settings.projectDescription()
              + " does not exist or the user has no role on it (check project_name,"
              + " project_domain_name/domain_name or project_id in the credentials Secret)",
          scoped);
    }
    return new VmImportException(
        ErrorCode.AUTHENTICATION_FAILED,
        "source "
            + settings.source()
            + ": Keystone at "
            + settings.endpoint()
            + " rejected user '"
            + settings.username()
            + "' in domain '"
            + settings.userDomain()
            + "': wrong password, or no such user or domain (check the credentials Secret)",
        scoped);
  }

  private void requireRegion() {
    TreeSet<String> regions = new TreeSet<>();
    for (Service service : token.getCatalog()) {
      for (Endpoint endpoint : service.getEndpoints()) {
        if (endpoint.getRegion() != null) {
          regions.add(endpoint.getRegion());
        }
      }
    }
    if (!regions.contains(settings.region())) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "source "
              + settings.source()
              + ": spec.region: region '"
              + settings.region()
              + "' is not in the service catalog; the catalog has "
              + regions);
    }
  }

  /** The public URL of a service type (e.g. {@code image}) in the configured region. */
  URI serviceUrl(String... types) {
    for (String type : types) {
      for (Service service : currentToken().getCatalog()) {
        if (!type.equals(service.getType())) {
          continue;
        }
        for (Endpoint endpoint : service.getEndpoints()) {
          if (endpoint.getIface() == Facing.PUBLIC
              && settings.region().equals(endpoint.getRegion())) {
            String url = endpoint.getUrl().toString();
            return URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
          }
        }
      }
    }
    throw new VmImportException(
        ErrorCode.NOT_SUPPORTED,
        "source "
            + settings.source()
            + ": the catalog has no public "
            + List.of(types)
            + " endpoint in region '"
            + settings.region()
            + "'");
  }

  /** GETs a JSON document from a service, e.g. {@code ("volumev3", "/volumes/ID")}. */
  JsonNode getJson(String path, String what, String... serviceTypes) {
    URI uri = URI.create(serviceUrl(serviceTypes) + path);
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(API_TIMEOUT)
            .header("X-Auth-Token", currentToken().getId())
            .header("Accept", "application/json")
            .GET()
            .build();
    try {
      HttpResponse<byte[]> response = http.send(request, BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) {
        throw OpenstackErrors.fromStatus(
            response.statusCode(), errorMessage(response.body()), what, null);
      }
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw OpenstackErrors.fromConnectionFailure(e, what);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VmImportException(ErrorCode.CANCELLED, "interrupted while trying to " + what, e);
    }
  }

  /**
   * POSTs a JSON document to a service and expects a 2xx answer, e.g. a Cinder volume action
   * openstack4j does not map.
   */
  void postJson(String path, String body, String what, String... serviceTypes) {
    URI uri = URI.create(serviceUrl(serviceTypes) + path);
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(API_TIMEOUT)
            .header("X-Auth-Token", currentToken().getId())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    try {
      HttpResponse<byte[]> response = http.send(request, BodyHandlers.ofByteArray());
      if (response.statusCode() / 100 != 2) {
        throw OpenstackErrors.fromStatus(
            response.statusCode(), errorMessage(response.body()), what, null);
      }
    } catch (IOException e) {
      throw OpenstackErrors.fromConnectionFailure(e, what);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VmImportException(ErrorCode.CANCELLED, "interrupted while trying to " + what, e);
    }
  }

  /** Streams {@code GET /v2/images/{id}/file}. */
  DiskData downloadImage(String imageId) {
    String what = "download image " + imageId;
    URI uri = URI.create(serviceUrl("image") + "/v2/images/" + imageId + "/file");
    HttpDownload download;
    try {
      download =
          HttpDownload.get(
              uri,
              sslContext,
              Map.of("X-Auth-Token", currentToken().getId(), "Accept", "application/octet-stream"),
              CONNECT_TIMEOUT,
              API_TIMEOUT);
    } catch (IOException e) {
      throw OpenstackErrors.fromConnectionFailure(e, what);
    }
    if (download.status() != 200) {
      byte[] body = download.bodyPrefix(64 * 1024);
      try {
        download.close();
      } catch (IOException e) {
        LOG.debug("closing the failed download of image {} failed: {}", imageId, e.getMessage());
      }
      throw OpenstackErrors.fromStatus(download.status(), errorMessage(body), what, null);
    }
    return new DiskData(download.body(), download.length());
  }

  /** The bytes of an image and their number, when Glance says. */
  record DiskData(InputStream input, OptionalLong length) {
    DiskData {
      requireNonNull(input, "input is null");
      requireNonNull(length, "length is null");
    }
  }

  /** The {@code message} of an OpenStack error document ({"itemNotFound": {"message": ...}}). */
  static String errorMessage(byte[] body) {
    if (body == null || body.length == 0) {
      return null;
    }
    try {
      JsonNode root = JSON.readTree(body);
      for (JsonNode value : root) {
        if (value.hasNonNull("message")) {
          return value.get("message").asText();
        }
      }
      if (root.hasNonNull("message")) {
        return root.get("message").asText();
      }
    } catch (IOException notJson) {
      // Glance answers some errors as HTML or plain text
    }
    String text = new String(body, StandardCharsets.UTF_8).strip();
    return text.length() > 300 ? text.substring(0, 300) + "..." : text;
  }

  /** Trusts {@code ca_cert} when given, else the system trust store; never nothing. */
  private static SSLContext sslContext(OpenstackSettings settings) {
    try {
      if (settings.caCertPem().isEmpty()) {
        return SSLContext.getDefault();
      }
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      Collection<? extends Certificate> certificates =
          factory.generateCertificates(
              new ByteArrayInputStream(
                  settings.caCertPem().get().getBytes(StandardCharsets.US_ASCII)));
      if (certificates.isEmpty()) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            "source "
                + settings.source()
                + ": ca_cert in the credentials Secret holds no PEM"
                + " certificate");
      }
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        trust.setCertificateEntry("ca-" + i++, certificate);
      }
      TrustManagerFactory trustManagers =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trustManagers.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trustManagers.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "source "
              + settings.source()
              + ": ca_cert in the credentials Secret is not a valid PEM certificate: "
              + e.getMessage(),
          e);
    }
  }
}
