package io.vmimport.provider.vmware.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.UserInfoRedaction;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.SourceSpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;

/**
 * A VmwareSource as the provider needs it. {@code toString} leaves the password out.
 *
 * @param sdkUrl the endpoint with path {@code /sdk} when the user gave none
 * @param datacenter the datacenter path without leading or trailing {@code /}
 */
public record VmwareSettings(
    String sourceName,
    String secretName,
    URI sdkUrl,
    String datacenter,
    String username,
    String password,
    Optional<String> caPem,
    boolean insecureSkipTlsVerify) {
  public static final String INSECURE_SETTING = "insecureSkipTLSVerify";

  public VmwareSettings {
    requireNonNull(sourceName, "sourceName is null");
    requireNonNull(secretName, "secretName is null");
    requireNonNull(sdkUrl, "sdkUrl is null");
    requireNonNull(datacenter, "datacenter is null");
    requireNonNull(username, "username is null");
    requireNonNull(password, "password is null");
    requireNonNull(caPem, "caPem is null");
  }

  public static VmwareSettings of(SourceSpec source) {
    String sourceName = source.namespace() + "/" + source.name();
    String endpoint = source.requireSetting("endpoint").trim();
    // only ever shown without user information: a password may have been typed into the URL
    String shown = UserInfoRedaction.redact(endpoint);
    URI uri;
    try {
      uri = new URI(endpoint);
    } catch (URISyntaxException e) {
      // the exception's text repeats the input: it is not kept as the cause
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "source "
              + sourceName
              + ": spec.endpoint '"
              + shown
              + "' is not a URL: "
              + e.getReason());
    }
    if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "source "
              + sourceName
              + ": spec.endpoint '"
              + shown
              + "' must be an https URL such as https://vcenter.example.com/sdk");
    }
    // the credentials come from the Secret; user information in the URL is never sent
    uri = UserInfoRedaction.strip(uri);
    if (uri.getPath() == null || uri.getPath().isEmpty() || "/".equals(uri.getPath())) {
      uri = uri.resolve("/sdk");
    }
    String datacenter = trimSlashes(source.requireSetting("dc"));
    var credentials = source.credentials();
    boolean insecure =
        source.setting(INSECURE_SETTING).map(v -> Boolean.parseBoolean(v.trim())).orElse(false);
    return new VmwareSettings(
        sourceName,
        credentials.secretName(),
        uri,
        datacenter,
        credentials.require("username"),
        credentials.require("password"),
        credentials.getFirst("caCert", "ca_cert", "ca.crt"),
        insecure);
  }

  /** host:port the client connects to, which replaces the {@code *} host of NFC URLs. */
  public String hostAndPort() {
    return sdkUrl.getPort() < 0 ? sdkUrl.getHost() : sdkUrl.getHost() + ":" + sdkUrl.getPort();
  }

  static String trimSlashes(String path) {
    String trimmed = path.trim();
    while (trimmed.startsWith("/")) {
      trimmed = trimmed.substring(1);
    }
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    return trimmed;
  }

  @Override
  public String toString() {
    return "VmwareSettings[" + sourceName + ", " + sdkUrl + ", dc=" + datacenter + "]";
  }
}
