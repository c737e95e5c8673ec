package io.vmimport.provider.openstack.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.UserInfoRedaction;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.SourceSpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;

/**
 * An OpenstackSource's spec and Secret, checked. {@link #toString()} leaves the password out.
 *
 * @param source {@code namespace/name} of the source, for messages
 * @param userDomain the user's domain ({@code user_domain_name}, else {@code domain_name})
 * @param projectDomain the project's domain ({@code project_domain_name}, else {@code domain_name})
 * @param endpoint the Keystone URL without user information (a password typed there is never sent,
 *     and never shown)
 * @param projectId when set, the project is scoped by id and {@code projectName} is informative
 * @param insecurePlainHttp the source opted in to plain {@code http://} for Keystone or the
 *     catalog's endpoints ({@link #INSECURE_PLAIN_HTTP_SETTING})
 */
public record OpenstackSettings(
    String source,
    URI endpoint,
    String region,
    int uploadImageRetryCount,
    Duration uploadImageRetryDelay,
    String username,
    String password,
    String projectName,
    String userDomain,
    String projectDomain,
    Optional<String> projectId,
    Optional<String> caCertPem,
    boolean insecurePlainHttp) {
  /**
   * Spec setting that accepts plain {@code http://} (Keystone, or endpoints of its catalog), which
   * sends the password and the tokens unencrypted. Named like the {@code insecureSkipTLSVerify} of
   * VmwareSource; an addition of vmimport's, not a field of upstream's OpenstackSource.
   */
  public static final String INSECURE_PLAIN_HTTP_SETTING = "insecurePlainHTTP";

  /** The same opt-in as a key of the credentials Secret, for the operator's OpenstackSource. */
  public static final String INSECURE_PLAIN_HTTP_SECRET_KEY = "insecure_plain_http";

  /** How messages name the opt-in. */
  static final String OPT_IN_TEXT =
      "spec."
          + INSECURE_PLAIN_HTTP_SETTING
          + ": \"true\" (or "
          + INSECURE_PLAIN_HTTP_SECRET_KEY
          + ": \"true\" in the credentials Secret)";

  public static final int DEFAULT_UPLOAD_IMAGE_RETRY_COUNT = 30;
  public static final Duration DEFAULT_UPLOAD_IMAGE_RETRY_DELAY = Duration.ofSeconds(10);

  public OpenstackSettings {
    requireNonNull(source, "source is null");
    requireNonNull(endpoint, "endpoint is null");
    requireNonNull(region, "region is null");
    requireNonNull(uploadImageRetryDelay, "uploadImageRetryDelay is null");
    requireNonNull(username, "username is null");
    requireNonNull(password, "password is null");
    requireNonNull(projectName, "projectName is null");
    requireNonNull(userDomain, "userDomain is null");
    requireNonNull(projectDomain, "projectDomain is null");
    requireNonNull(projectId, "projectId is null");
    requireNonNull(caCertPem, "caCertPem is null");
  }

  public static OpenstackSettings from(SourceSpec spec) {
    String source = spec.namespace() + "/" + spec.name();
    String endpointText = spec.requireSetting("endpoint");
    // only ever shown without user information: a password may have been typed into the URL
    String shown = UserInfoRedaction.redact(endpointText.trim());
    URI endpoint;
    try {
      endpoint = new URI(endpointText.trim());
    } catch (URISyntaxException e) {
      // the exception's own text repeats the input: it is dropped, not kept as the cause
      throw invalid(source, "endpoint", "'" + shown + "' is not a URL", null);
    }
    boolean plainHttp = "http".equalsIgnoreCase(endpoint.getScheme());
    if (!plainHttp && !"https".equalsIgnoreCase(endpoint.getScheme())
        || endpoint.getHost() == null) {
      throw invalid(
          source,
          "endpoint",
          "'" + shown + "' is not an http(s) Keystone URL such as https://keystone:5000/v3",
          null);
    }
    endpoint = UserInfoRedaction.strip(endpoint);
    // the operator's OpenstackSource has upstream's schema, with no field to add: there, the
    // opt-in goes into the Secret, where upstream keeps this source's other TLS setting (ca_cert)
    boolean insecurePlainHttp =
        spec.setting(INSECURE_PLAIN_HTTP_SETTING)
            .or(() -> spec.credentials().get(INSECURE_PLAIN_HTTP_SECRET_KEY))
            .map(value -> Boolean.parseBoolean(value.trim()))
            .orElse(false);
    if (plainHttp && !insecurePlainHttp) {
      throw invalid(
          source,
          "endpoint",
          "'"
              + shown
              + "' is plain HTTP: the password would cross the network unencrypted. Use the"
              + " https URL of Keystone (with its CA as ca_cert in the credentials Secret), or"
              + " accept the risk with "
              + OPT_IN_TEXT,
          null);
    }
    String region = spec.requireSetting("region");
    int retryCount = positiveOr(spec, "uploadImageRetryCount", DEFAULT_UPLOAD_IMAGE_RETRY_COUNT);
    int retryDelaySeconds =
        positiveOr(
            spec, "uploadImageRetryDelay", (int) DEFAULT_UPLOAD_IMAGE_RETRY_DELAY.toSeconds());
    var credentials = spec.credentials();
    String domain = credentials.get("domain_name").orElse("");
    String userDomain = credentials.get("user_domain_name").orElse(domain);
    String projectDomain = credentials.get("project_domain_name").orElse(domain);
    if (userDomain.isBlank()) {
      credentials.require("domain_name");
    }
    Optional<String> projectId = credentials.get("project_id");
    String projectName =
        projectId.isPresent()
            ? credentials.get("project_name").orElse(projectId.get())
            : credentials.require("project_name");
    if (projectId.isEmpty() && projectDomain.isBlank()) {
      credentials.require("domain_name");
    }
    return new OpenstackSettings(
        source,
        endpoint,
        region,
        retryCount,
        Duration.ofSeconds(retryDelaySeconds),
        credentials.require("username"),
        credentials.require("password"),
        projectName,
        userDomain,
        projectDomain,
        projectId,
        credentials.get("ca_cert"),
        insecurePlainHttp);
  }

  private static int positiveOr(SourceSpec spec, String field, int fallback) {
    Optional<String> text = spec.setting(field);
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(text.get().trim());
      // upstream semantics: zero or negative means the default
      return value <= 0 ? fallback : value;
    } catch (NumberFormatException e) {
      throw invalid(
          spec.namespace() + "/" + spec.name(),
          field,
          "'" + text.get() + "' is not a whole number",
          e);
    }
  }

  private static VmImportException invalid(
      String source, String field, String problem, Throwable cause) {
    return new VmImportException(
        ErrorCode.INVALID_SPEC, "source " + source + ": spec." + field + ": " + problem, cause);
  }

  /** Whether the Keystone endpoint itself is plain {@code http://}. */
  public boolean plainHttpKeystone() {
    return "http".equalsIgnoreCase(endpoint.getScheme());
  }

  /** How the project is named in messages. */
  public String projectDescription() {
    return projectId
        .map(id -> "project id '" + id + "'")
        .orElse("project '" + projectName + "' in domain '" + projectDomain + "'");
  }

  @Override
  public String toString() {
    return "OpenstackSettings["
        + source
        + ", endpoint="
        + endpoint
        + ", region="
        + region
        + ", user="
        + username
        + "@"
        + userDomain
        + ", "
        + projectDescription()
        + "]";
  }
}
