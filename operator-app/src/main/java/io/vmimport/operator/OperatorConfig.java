package io.vmimport.operator;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.vmimport.api.VmImportException;
import io.vmimport.api.guest.GuestConversionPolicy;
import io.vmimport.operator.internal.WorkerJobSpec;
import io.vmimport.operator.internal.WorkerProtocol;
import io.vmimport.resources.NamespacePolicy;
import io.vmimport.target.harvester.ImageServerConfig;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * How the operator runs. {@link #fromEnvironment} reads it from {@code VMIMPORT_*} variables (the
 * Helm chart sets them); every setting has a default that works in a Harvester cluster.
 *
 * @param namespaces namespaces to watch; empty watches all
 * @param scratchDir where disks are converted and served from (the scratch volume)
 * @param maxConcurrentImports imports running at once; more wait with status {@code ""}
 * @param maxParallelDisks disks transferred at once, over all imports
 * @param maxExportsPerSourceHost imports exporting from one source host at once (an ESXi host, an
 *     OpenStack endpoint, an OVA's web server); more wait with a {@code Progress} condition saying
 *     {@code Queued}, their VMs left running. 0 for no limit
 * @param imageServerBind where the image server listens
 * @param imageServerUrl the base URL Harvester downloads images from (the operator's Service)
 * @param imageServerLimits what one client may hold of the image server
 * @param httpPort {@code /metrics}, the port the Service publishes; 0 = a free port
 * @param probePort {@code /healthz} and {@code /readyz}, for the kubelet only: the Service does not
 *     publish it, so no client of the Service can crowd the probes out; 0 = a free port
 * @param allowCrossNamespaceSecrets whether a source may use a Secret of another namespace
 * @param allowCrossNamespaceSources whether an import may use a source of another namespace (never
 *     one outside {@code namespaces})
 * @param sourceRecheckInterval how often a source is checked again
 * @param statusInterval the most often byte progress is written to an import's status
 * @param waitInterval how often a waiting import looks at its source again
 * @param leaderElection the Lease namespace, when leader election is on
 * @param guestConversion when imports convert their guest to boot on virtio; an import's annotation
 *     {@code vmimport.io/guest-conversion} overrides it
 * @param diskWorkers {@code diskWork: jobs}: how the Job that exports, converts and serves the
 *     disks of each import runs; empty for {@code inProcess}, where this process does it
 */
public record OperatorConfig(
    Set<String> namespaces,
    Path scratchDir,
    int maxConcurrentImports,
    int maxParallelDisks,
    int maxExportsPerSourceHost,
    InetSocketAddress imageServerBind,
    Optional<URI> imageServerUrl,
    ImageServerConfig.Limits imageServerLimits,
    int httpPort,
    int probePort,
    boolean allowCrossNamespaceSecrets,
    boolean allowCrossNamespaceSources,
    Duration sourceRecheckInterval,
    Duration statusInterval,
    Duration waitInterval,
    Optional<String> leaderElection,
    GuestConversionPolicy guestConversion,
    Optional<WorkerJobSpec.Settings> diskWorkers) {
  public static final String LEASE_NAME = "vmimport-operator";

  /** Every variable {@link #fromEnvironment} reads (the Helm chart sets them). */
  public static final Set<String> VARIABLES =
      Set.of(
          "VMIMPORT_SCRATCH_DIR",
          "VMIMPORT_NAMESPACES",
          "VMIMPORT_MAX_CONCURRENT_IMPORTS",
          "VMIMPORT_MAX_PARALLEL_DISKS",
          "VMIMPORT_MAX_EXPORTS_PER_SOURCE_HOST",
          "VMIMPORT_IMAGE_SERVER_ADDRESS",
          "VMIMPORT_IMAGE_SERVER_PORT",
          "VMIMPORT_IMAGE_SERVER_URL",
          "VMIMPORT_IMAGE_SERVER_MAX_CONNECTIONS",
          "VMIMPORT_IMAGE_SERVER_REQUEST_TIMEOUT_SECONDS",
          "VMIMPORT_IMAGE_SERVER_SEND_TIMEOUT_SECONDS",
          "VMIMPORT_HTTP_PORT",
          "VMIMPORT_PROBE_PORT",
          "VMIMPORT_ALLOW_CROSS_NAMESPACE_SECRETS",
          "VMIMPORT_ALLOW_CROSS_NAMESPACE_SOURCES",
          "VMIMPORT_SOURCE_RECHECK_SECONDS",
          "VMIMPORT_STATUS_INTERVAL_MILLIS",
          "VMIMPORT_LEADER_ELECTION",
          "VMIMPORT_LEASE_NAMESPACE",
          "VMIMPORT_GUEST_CONVERSION",
          "VMIMPORT_DISK_WORK",
          "VMIMPORT_WORKER_NAMESPACE",
          "VMIMPORT_WORKER_IMAGE",
          "VMIMPORT_WORKER_COMMAND",
          "VMIMPORT_WORKER_SERVICE_ACCOUNT",
          "VMIMPORT_WORKER_RETRIES",
          "VMIMPORT_WORKER_SCRATCH_STORAGE_CLASS",
          "VMIMPORT_WORKER_PLACEMENT",
          "VMIMPORT_WORKER_RESOURCES");

  /** The worker's command in the operator's image (the Dockerfile's paths). */
  public static final List<String> WORKER_COMMAND =
      List.of(
          "java",
          "-XX:MaxRAMPercentage=50",
          "-cp",
          "/opt/vmimport/vmimport-operator.jar:/opt/vmimport/plugins/*",
          DiskWorkerMain.class.getName());

  public OperatorConfig {
    namespaces = Set.copyOf(requireNonNull(namespaces, "namespaces is null"));
    requireNonNull(scratchDir, "scratchDir is null");
    requireNonNull(imageServerBind, "imageServerBind is null");
    requireNonNull(imageServerUrl, "imageServerUrl is null");
    requireNonNull(imageServerLimits, "imageServerLimits is null");
    requireNonNull(sourceRecheckInterval, "sourceRecheckInterval is null");
    requireNonNull(statusInterval, "statusInterval is null");
    requireNonNull(waitInterval, "waitInterval is null");
    requireNonNull(leaderElection, "leaderElection is null");
    requireNonNull(guestConversion, "guestConversion is null");
    requireNonNull(diskWorkers, "diskWorkers is null");
    if (maxConcurrentImports < 1) {
      throw new IllegalArgumentException(
          "VMIMPORT_MAX_CONCURRENT_IMPORTS must be at least 1: " + maxConcurrentImports);
    }
    if (maxParallelDisks < 1) {
      throw new IllegalArgumentException(
          "VMIMPORT_MAX_PARALLEL_DISKS must be at least 1: " + maxParallelDisks);
    }
    if (maxExportsPerSourceHost < 0) {
      throw new IllegalArgumentException(
          "VMIMPORT_MAX_EXPORTS_PER_SOURCE_HOST must be 0 (no limit) or more: "
              + maxExportsPerSourceHost);
    }
    if (probePort != 0 && probePort == httpPort) {
      throw new IllegalArgumentException(
          "VMIMPORT_PROBE_PORT must differ from VMIMPORT_HTTP_PORT (both "
              + probePort
              + "): the probes get a port of their own");
    }
    // zero would recheck every source in a busy loop, negative fails deep inside the scheduler
    if (sourceRecheckInterval.isNegative() || sourceRecheckInterval.isZero()) {
      throw new IllegalArgumentException(
          "VMIMPORT_SOURCE_RECHECK_SECONDS must be at least 1: "
              + sourceRecheckInterval.toSeconds());
    }
    if (statusInterval.isNegative() || statusInterval.isZero()) {
      throw new IllegalArgumentException(
          "VMIMPORT_STATUS_INTERVAL_MILLIS must be at least 1: " + statusInterval.toMillis());
    }
  }

  /**
   * Defaults: all namespaces, 4 imports and 4 disks at once, 10 exports per source host, no leader
   * election.
   */
  public static OperatorConfig defaults(Path scratchDir) {
    return new OperatorConfig(
        Set.of(),
        scratchDir,
        4,
        4,
        10,
        new InetSocketAddress("0.0.0.0", 8080),
        Optional.empty(),
        ImageServerConfig.Limits.DEFAULTS,
        8081,
        8082,
        false,
        false,
        Duration.ofMinutes(5),
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        Optional.empty(),
        GuestConversionPolicy.AUTO,
        Optional.empty());
  }

  /**
   * Reads {@code VMIMPORT_*} variables from {@code env}.
   *
   * @throws IllegalArgumentException naming the variable whose value is wrong
   */
  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    Function<String, Optional<String>> get =
        key -> Optional.ofNullable(env.get(key)).map(String::trim).filter(v -> !v.isEmpty());
    Path scratch = Path.of(get.apply("VMIMPORT_SCRATCH_DIR").orElse("/scratch"));
    OperatorConfig d = defaults(scratch);
    Set<String> namespaces =
        get.apply("VMIMPORT_NAMESPACES")
            .map(
                v ->
                    Arrays.stream(v.split(","))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .collect(Collectors.toSet()))
            .orElse(Set.of());
    boolean leader = bool(get, "VMIMPORT_LEADER_ELECTION", true);
    Optional<String> leaseNamespace =
        leader
            ? Optional.of(
                get.apply("VMIMPORT_LEASE_NAMESPACE")
                    .or(() -> get.apply("POD_NAMESPACE"))
                    .orElseThrow(
                        () ->
                            new IllegalArgumentException(
                                "VMIMPORT_LEADER_ELECTION is on but neither"
                                    + " VMIMPORT_LEASE_NAMESPACE nor POD_NAMESPACE is set")))
            : Optional.empty();
    GuestConversionPolicy conversion =
        get.apply("VMIMPORT_GUEST_CONVERSION")
            .map(v -> guestConversion(v))
            .orElse(d.guestConversion());
    return new OperatorConfig(
        namespaces,
        scratch,
        integer(get, "VMIMPORT_MAX_CONCURRENT_IMPORTS", d.maxConcurrentImports()),
        integer(get, "VMIMPORT_MAX_PARALLEL_DISKS", d.maxParallelDisks()),
        integer(get, "VMIMPORT_MAX_EXPORTS_PER_SOURCE_HOST", d.maxExportsPerSourceHost()),
        new InetSocketAddress(
            get.apply("VMIMPORT_IMAGE_SERVER_ADDRESS").orElse("0.0.0.0"),
            integer(get, "VMIMPORT_IMAGE_SERVER_PORT", 8080)),
        get.apply("VMIMPORT_IMAGE_SERVER_URL").map(v -> uri("VMIMPORT_IMAGE_SERVER_URL", v)),
        imageServerLimits(get, d.imageServerLimits()),
        integer(get, "VMIMPORT_HTTP_PORT", d.httpPort()),
        integer(get, "VMIMPORT_PROBE_PORT", d.probePort()),
        bool(get, "VMIMPORT_ALLOW_CROSS_NAMESPACE_SECRETS", false),
        bool(get, "VMIMPORT_ALLOW_CROSS_NAMESPACE_SOURCES", false),
        Duration.ofSeconds(
            integer(
                get,
                "VMIMPORT_SOURCE_RECHECK_SECONDS",
                (int) d.sourceRecheckInterval().toSeconds())),
        Duration.ofMillis(
            integer(get, "VMIMPORT_STATUS_INTERVAL_MILLIS", (int) d.statusInterval().toMillis())),
        d.waitInterval(),
        leaseNamespace,
        conversion,
        diskWorkers(
            get, conversion, integer(get, "VMIMPORT_MAX_PARALLEL_DISKS", d.maxParallelDisks())));
  }

  /** {@code VMIMPORT_DISK_WORK}: {@code inProcess} (default), or {@code jobs} and its settings. */
  private static Optional<WorkerJobSpec.Settings> diskWorkers(
      Function<String, Optional<String>> get,
      GuestConversionPolicy conversion,
      int maxParallelDisks) {
    String mode = get.apply("VMIMPORT_DISK_WORK").orElse("inProcess");
    if (mode.equals("inProcess")) {
      return Optional.empty();
    }
    if (!mode.equals("jobs")) {
      throw new IllegalArgumentException(
          "VMIMPORT_DISK_WORK must be inProcess or jobs, not '" + mode + "'");
    }
    String namespace =
        get.apply("VMIMPORT_WORKER_NAMESPACE")
            .or(() -> get.apply("POD_NAMESPACE"))
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "VMIMPORT_DISK_WORK is jobs but neither VMIMPORT_WORKER_NAMESPACE nor"
                            + " POD_NAMESPACE says where the Jobs go"));
    String image =
        get.apply("VMIMPORT_WORKER_IMAGE")
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "VMIMPORT_DISK_WORK is jobs but VMIMPORT_WORKER_IMAGE (the operator's"
                            + " image) is not set"));
    List<String> command =
        get.apply("VMIMPORT_WORKER_COMMAND")
            .map(v -> json(v, "VMIMPORT_WORKER_COMMAND", new TypeReference<List<String>>() {}))
            .orElse(WORKER_COMMAND);
    WorkerJobSpec.Placement placement;
    try {
      placement =
          get.apply("VMIMPORT_WORKER_PLACEMENT")
              .map(v -> WorkerJobSpec.Placement.parse(v, "VMIMPORT_WORKER_PLACEMENT"))
              .orElse(WorkerJobSpec.Placement.ANYWHERE);
    } catch (VmImportException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    ResourceRequirements resources =
        get.apply("VMIMPORT_WORKER_RESOURCES")
            .map(
                v ->
                    json(
                        v,
                        "VMIMPORT_WORKER_RESOURCES",
                        new TypeReference<ResourceRequirements>() {}))
            .orElseGet(ResourceRequirements::new);
    return Optional.of(
        new WorkerJobSpec.Settings(
            namespace,
            image,
            command,
            get.apply("VMIMPORT_WORKER_SERVICE_ACCOUNT").orElse("vmimport-worker"),
            integer(get, "VMIMPORT_WORKER_RETRIES", 3),
            get.apply("VMIMPORT_WORKER_SCRATCH_STORAGE_CLASS"),
            placement,
            resources,
            conversion,
            maxParallelDisks,
            WorkerProtocol.PORT,
            Duration.ofSeconds(120)));
  }

  private static <T> T json(String value, String key, TypeReference<T> type) {
    try {
      return new ObjectMapper().readValue(value, type);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(key + " is not valid: " + e.getOriginalMessage(), e);
    }
  }

  private static GuestConversionPolicy guestConversion(String value) {
    try {
      return GuestConversionPolicy.parse(value, "VMIMPORT_GUEST_CONVERSION");
    } catch (io.vmimport.api.VmImportException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static ImageServerConfig.Limits imageServerLimits(
      Function<String, Optional<String>> get, ImageServerConfig.Limits d) {
    int connections = integer(get, "VMIMPORT_IMAGE_SERVER_MAX_CONNECTIONS", d.maxConnections());
    int request =
        integer(
            get,
            "VMIMPORT_IMAGE_SERVER_REQUEST_TIMEOUT_SECONDS",
            (int) d.requestTimeout().toSeconds());
    int send =
        integer(
            get, "VMIMPORT_IMAGE_SERVER_SEND_TIMEOUT_SECONDS", (int) d.sendTimeout().toSeconds());
    if (connections < 1 || request < 1 || send < 1) {
      throw new IllegalArgumentException(
          "VMIMPORT_IMAGE_SERVER_MAX_CONNECTIONS, VMIMPORT_IMAGE_SERVER_REQUEST_TIMEOUT_SECONDS and"
              + " VMIMPORT_IMAGE_SERVER_SEND_TIMEOUT_SECONDS must be at least 1: "
              + connections
              + ", "
              + request
              + ", "
              + send);
    }
    return new ImageServerConfig.Limits(
        connections, Duration.ofSeconds(request), Duration.ofSeconds(send));
  }

  /** The namespace rules imports and sources are held to, with the settings that relax them. */
  public NamespacePolicy namespacePolicy() {
    return new NamespacePolicy(
        allowCrossNamespaceSources,
        allowCrossNamespaceSecrets,
        namespaces,
        "the operator's setting allowCrossNamespaceSources (chart value of that name) allows it",
        "the operator's setting allowCrossNamespaceSecrets (chart value of that name) allows it");
  }

  private static int integer(Function<String, Optional<String>> get, String key, int fallback) {
    Optional<String> value = get.apply(key);
    if (value.isEmpty()) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.get());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          key + " must be a whole number, not '" + value.get() + "'");
    }
  }

  private static boolean bool(
      Function<String, Optional<String>> get, String key, boolean fallback) {
    Optional<String> value = get.apply(key);
    if (value.isEmpty()) {
      return fallback;
    }
    return switch (value.get().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default ->
          throw new IllegalArgumentException(
              key + " must be true or false, not '" + value.get() + "'");
    };
  }

  private static URI uri(String key, String value) {
    try {
      URI uri = URI.create(value);
      if (uri.getScheme() == null || uri.getHost() == null) {
        throw new IllegalArgumentException("no scheme or host");
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          key
              + " must be a URL such as http://vm-import-controller.harvester-system:8080, not '"
              + value
              + "'");
    }
  }
}
