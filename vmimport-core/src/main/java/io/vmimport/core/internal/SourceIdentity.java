package io.vmimport.core.internal;

import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Names the endpoint a source object points at, stably and without secrets: {@code <kind>
 * <endpoint>}. Two source objects (in two namespaces, under two names) that point at one vCenter
 * have one identity, so that together with the provider's VM id it says which VM a disk came from.
 *
 * <p>It is written to checkpoints (a file on the user's disk, an annotation on the import), so it
 * carries nothing secret: credentials are not part of a {@link SourceSpec}'s settings, user info in
 * a URL ({@code https://user:pw@host}) is dropped, and a query string (a pre-signed OVA URL holds
 * its signature there) is kept only as a digest, which still tells two URLs apart.
 */
public final class SourceIdentity {
  /**
   * The settings that locate the endpoint, by the CRD names the providers use; first found wins.
   */
  private static final List<String> ENDPOINT_SETTINGS = List.of("endpoint", "url", "path");

  private SourceIdentity() {}

  public static String of(SourceSpec source) {
    String kind = source.kind().toLowerCase(Locale.ROOT);
    for (String field : ENDPOINT_SETTINGS) {
      Optional<String> value = source.setting(field);
      if (value.isPresent()) {
        return kind + " " + withoutSecrets(value.get().trim());
      }
    }
    // a third party's source with other settings: all of them, in a stable order
    StringBuilder identity = new StringBuilder(kind);
    for (Map.Entry<String, String> setting : new TreeMap<>(source.settings()).entrySet()) {
      identity
          .append(' ')
          .append(setting.getKey())
          .append('=')
          .append(withoutSecrets(setting.getValue().trim()));
    }
    return identity.toString();
  }

  /**
   * The machine an import of {@code vm} reads from, for the per-host limit: the provider's export
   * host when it names one (the ESXi host of a vSphere VM, qualified by its vCenter), else the host
   * of the source's endpoint ({@code openstack keystone.example:5000}, {@code ova files.example});
   * a source without a URL is its own host.
   */
  public static String hostOf(SourceSpec source, SourceVm vm) {
    String kind = source.kind().toLowerCase(Locale.ROOT);
    String endpoint = null;
    for (String field : ENDPOINT_SETTINGS) {
      Optional<String> value = source.setting(field);
      if (value.isPresent()) {
        endpoint = value.get().trim();
        break;
      }
    }
    String endpointHost = endpoint == null ? of(source) : kind + " " + authorityOf(endpoint);
    return vm.exportHost().map(host -> host + " (" + endpointHost + ")").orElse(endpointHost);
  }

  /** {@code scheme://host:port} of a URL without user info; a value that is none, unchanged. */
  private static String authorityOf(String value) {
    try {
      URI uri = new URI(value);
      if (uri.getScheme() != null && uri.getHost() != null) {
        return uri.getScheme().toLowerCase(Locale.ROOT)
            + "://"
            + uri.getHost().toLowerCase(Locale.ROOT)
            + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
      }
      if (uri.getScheme() != null && "file".equalsIgnoreCase(uri.getScheme())) {
        return "file://";
      }
    } catch (URISyntaxException e) {
      // not a URL (a path): the value is the place
    }
    return withoutSecrets(value);
  }

  /** {@code value} without user info, with its query as a digest, when it is a URL. */
  static String withoutSecrets(String value) {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      // not a URL (a path, a region name): nothing in it to hide
      return value;
    }
    if (uri.getScheme() == null || uri.getRawAuthority() == null) {
      return value;
    }
    String host = uri.getHost() != null ? uri.getHost().toLowerCase(Locale.ROOT) : "";
    String authority =
        uri.getHost() != null
            ? host + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
            : stripUserInfo(uri.getRawAuthority());
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String query = uri.getRawQuery() == null ? "" : "?sha256:" + digest(uri.getRawQuery());
    return uri.getScheme().toLowerCase(Locale.ROOT) + "://" + authority + path + query;
  }

  private static String stripUserInfo(String authority) {
    int at = authority.lastIndexOf('@');
    return at < 0 ? authority : authority.substring(at + 1);
  }

  private static String digest(String text) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
