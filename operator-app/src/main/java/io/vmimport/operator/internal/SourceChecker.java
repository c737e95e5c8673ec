package io.vmimport.operator.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.core.ImportEngine;
import io.vmimport.operator.crd.SourceStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a source's {@code status.status} ({@code clusterReady}/{@code clusterNotReady}) and its
 * {@code ClusterReady}/{@code ClusterError} conditions true, for every source kind alike (built in
 * or a plugin's: the status is written through the kind's {@link SourceKind}, not a class). The
 * check (a login, which may retry for a while against an unreachable endpoint) runs on a bounded
 * executor, never in the caller's thread; it runs again when the spec or the Secret changes, and
 * when the last one is {@code recheckInterval} old.
 */
public final class SourceChecker {
  public static final String READY = "clusterReady";
  public static final String NOT_READY = "clusterNotReady";

  private static final Logger log = LoggerFactory.getLogger(SourceChecker.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final KubernetesClient client;
  private final ImportEngine engine;
  private final SourceResolver resolver;
  private final ExecutorService checks;
  private final Duration recheckInterval;
  private final Clock clock;
  private final Map<String, Check> checksByUid = new ConcurrentHashMap<>();
  private final ApiRetry.Backoff backoff = ApiRetry.Backoff.DEFAULT;

  /** One check of one version of a source and its Secret; {@code token} identifies it. */
  private record Check(String fingerprint, Future<?> future, Instant started, Object token) {}

  public SourceChecker(
      KubernetesClient client,
      ImportEngine engine,
      SourceResolver resolver,
      ExecutorService checks,
      Duration recheckInterval,
      Clock clock) {
    this.client = client;
    this.engine = engine;
    this.resolver = resolver;
    this.checks = checks;
    this.recheckInterval = recheckInterval;
    this.clock = clock;
  }

  public Duration recheckInterval() {
    return recheckInterval;
  }

  /**
   * Starts a check of {@code source} unless one of this version of it and its Secret runs or is
   * recent.
   *
   * @param secretVersion the resource version of its Secret, {@code -} when it has none
   */
  public void ensureChecked(SourceKind kind, HasMetadata source, String secretVersion) {
    String uid = source.getMetadata().getUid();
    String fingerprint = source.getMetadata().getGeneration() + "/" + secretVersion;
    Instant now = clock.instant();
    // a rescheduled reconcile may come a little early: allow a tenth of the interval
    Duration stale = recheckInterval.minus(recheckInterval.dividedBy(10));
    // sources deleted since: their last check is long done
    checksByUid
        .values()
        .removeIf(
            c ->
                c.future().isDone()
                    && c.started().plus(recheckInterval.multipliedBy(3)).isBefore(now));
    Check last = checksByUid.get(uid);
    boolean fresh =
        last != null
            && last.fingerprint().equals(fingerprint)
            && (!last.future().isDone() || last.started().plus(stale).isAfter(now));
    if (!fresh) {
      Object token = new Object();
      // registered before it runs, so that its result is recognised as the latest
      FutureTask<Void> task = new FutureTask<>(() -> check(kind, source, token), null);
      checksByUid.put(uid, new Check(fingerprint, task, now, token));
      checks.execute(task);
    }
  }

  /** Checks {@code source}; writes the result unless a newer check has started meanwhile. */
  private void check(SourceKind kind, HasMetadata source, Object token) {
    String what =
        kind.kind()
            + " "
            + source.getMetadata().getNamespace()
            + "/"
            + source.getMetadata().getName();
    String problem;
    try {
      SourceSpec spec = resolver.resolve(source);
      List<ValidationIssue> issues = engine.checkSource(spec);
      problem =
          issues.stream()
              .filter(ValidationIssue::isError)
              .map(ValidationIssue::toString)
              .collect(Collectors.joining("; "));
    } catch (VmImportException e) {
      problem = e.getMessage();
    } catch (RuntimeException e) {
      log.error("checking {} failed unexpectedly", what, e);
      problem = "checking the source failed unexpectedly: " + e;
    }
    boolean ready = problem.isEmpty();
    if (ready) {
      log.info("{} is ready", what);
    } else {
      log.warn("{} is not ready: {}", what, problem);
    }
    Check latest = checksByUid.get(source.getMetadata().getUid());
    if (latest != null && latest.token() != token) {
      log.debug("{}: a newer check runs; this result is dropped", what);
      return;
    }
    writeStatus(kind, source, ready, problem);
  }

  /**
   * Writes the check's result, again while the API server's refusal may pass (in this check's
   * thread: the next check is minutes away and would leave a wrong status until then).
   */
  private void writeStatus(SourceKind kind, HasMetadata source, boolean ready, String problem) {
    Instant now = clock.instant();
    String what =
        "writing the status of "
            + source.getMetadata().getNamespace()
            + "/"
            + source.getMetadata().getName();
    try {
      ApiRetry.run(backoff, what, () -> editStatus(kind, source, ready, problem, now));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        log.warn("{} failed: {}", what, e.getMessage());
      }
    }
  }

  private void editStatus(
      SourceKind kind, HasMetadata source, boolean ready, String problem, Instant now) {
    String uid = source.getMetadata().getUid();
    client
        .genericKubernetesResources(kind.context())
        .inNamespace(source.getMetadata().getNamespace())
        .withName(source.getMetadata().getName())
        .editStatus(
            current -> {
              if (!uid.equals(current.getMetadata().getUid())) {
                // deleted and created again meanwhile: the new source gets its own check
                return current;
              }
              SourceStatus status = statusOf(current).orElseGet(SourceStatus::new);
              status.status = ready ? READY : NOT_READY;
              status.conditions =
                  Conditions.set(
                      status.conditions,
                      "ClusterReady",
                      ready,
                      ready ? "Ready" : "NotReady",
                      ready ? "source is reachable and correctly configured" : problem,
                      now);
              status.conditions =
                  Conditions.set(
                      status.conditions,
                      "ClusterError",
                      !ready,
                      ready ? "" : "CheckFailed",
                      ready ? "" : problem,
                      now);
              current.setAdditionalProperty("status", JSON.convertValue(status, Map.class));
              return current;
            });
  }

  /** The status of a source of any kind, if it has one. */
  static java.util.Optional<SourceStatus> statusOf(HasMetadata source) {
    JsonNode status = JSON.valueToTree(source).path("status");
    if (!status.isObject()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(JSON.convertValue(status, SourceStatus.class));
  }

  static boolean isReady(GenericKubernetesResource source) {
    return statusOf(source).map(s -> Objects.equals(READY, s.status)).orElse(false);
  }
}
