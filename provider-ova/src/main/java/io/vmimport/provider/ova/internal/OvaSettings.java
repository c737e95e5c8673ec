package io.vmimport.provider.ova.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.UserInfoRedaction;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.SourceSpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * An OvaSource's spec, checked: {@code url} (http, https or file), {@code httpTimeoutSeconds} (none
 * given: 600; 0: no limit) and the optional Secret with {@code username}, {@code password} (basic
 * auth, used only when both are there) and {@code ca.crt}.
 *
 * @param readTimeout the longest silence of the server before a request fails; zero for none
 * @param deploymentOption the OVF configuration to use instead of the descriptor's default
 */
public record OvaSettings(
    String sourceName,
    URI url,
    Duration readTimeout,
    Optional<BasicAuth> basicAuth,
    Optional<String> caPem,
    String secretName,
    Optional<String> deploymentOption) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(600);
  static final String URL = "url";
  static final String TIMEOUT = "httpTimeoutSeconds";
  static final String DEPLOYMENT_OPTION = "deploymentOption";

  public OvaSettings {
    requireNonNull(sourceName, "sourceName is null");
    requireNonNull(url, "url is null");
    requireNonNull(readTimeout, "readTimeout is null");
    requireNonNull(basicAuth, "basicAuth is null");
    requireNonNull(caPem, "caPem is null");
    requireNonNull(secretName, "secretName is null");
    requireNonNull(deploymentOption, "deploymentOption is null");
  }

  /** A user name and password; {@link #toString()} hides the password. */
  public record BasicAuth(String username, String password) {
    public BasicAuth {
      requireNonNull(username, "username is null");
      requireNonNull(password, "password is null");
    }

    @Override
    public String toString() {
      return "BasicAuth[" + username + "]";
    }
  }

  /**
   * @throws VmImportException INVALID_SPEC naming the field at fault
   */
  public static OvaSettings of(SourceSpec source) {
    String name = source.namespace() + "/" + source.name();
    String text = source.requireSetting(URL).trim();
    URI url;
    try {
      url = new URI(text);
    } catch (URISyntaxException e) {
      throw invalid(name, "spec.url '" + UserInfoRedaction.redact(text) + "' is not a URL", e);
    }
    String scheme = String.valueOf(url.getScheme()).toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "http", "https" -> {
        if (url.getHost() == null) {
          throw invalid(name, "spec.url " + UserInfoRedaction.redact(text) + " has no host", null);
        }
        if (url.getRawUserInfo() != null) {
          throw invalid(
              name,
              "spec.url "
                  + UserInfoRedaction.redact(text)
                  + " carries user information; put username and password in the Secret of"
                  + " spec.credentials instead",
              null);
        }
      }
      case "file" -> {
        if (url.getPath() == null || url.getPath().isEmpty()) {
          throw invalid(name, "spec.url " + text + " names no file", null);
        }
      }
      default ->
          throw invalid(
              name,
              "spec.url " + UserInfoRedaction.redact(text) + " must be an http, https or file URL",
              null);
    }
    Duration timeout = DEFAULT_TIMEOUT;
    Optional<String> seconds = source.setting(TIMEOUT);
    if (seconds.isPresent()) {
      long value;
      try {
        value = Long.parseLong(seconds.get().trim());
      } catch (NumberFormatException e) {
        throw invalid(name, "spec.httpTimeoutSeconds '" + seconds.get() + "' is not a number", e);
      }
      if (value < 0) {
        throw invalid(name, "spec.httpTimeoutSeconds must not be negative: " + value, null);
      }
      timeout = Duration.ofSeconds(value);
    }
    Credentials credentials = source.credentials();
    Optional<String> username = credentials.get("username");
    Optional<String> password = credentials.get("password");
    Optional<BasicAuth> auth =
        username.isPresent() && password.isPresent()
            ? Optional.of(new BasicAuth(username.get(), password.get()))
            : Optional.empty();
    return new OvaSettings(
        name,
        url,
        timeout,
        auth,
        credentials.getFirst("ca.crt", "caCert", "ca_cert"),
        credentials.secretName(),
        source.setting(DEPLOYMENT_OPTION).map(String::trim));
  }

  private static VmImportException invalid(String source, String message, Throwable cause) {
    return new VmImportException(
        ErrorCode.INVALID_SPEC, "source " + source + ": " + message, cause);
  }

  public boolean isFile() {
    return "file".equalsIgnoreCase(url.getScheme());
  }

  public boolean isHttps() {
    return "https".equalsIgnoreCase(url.getScheme());
  }

  /** The URL for messages, user information masked. */
  public String shownUrl() {
    return UserInfoRedaction.redact(url.toString());
  }
}
