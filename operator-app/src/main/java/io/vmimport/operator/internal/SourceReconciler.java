package io.vmimport.operator.internal;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a source's {@code status.status} ({@code clusterReady}/{@code clusterNotReady}) and its
 * {@code ClusterReady}/{@code ClusterError} conditions true. The check (a login, which may retry
 * for a while against an unreachable endpoint) runs on a bounded executor, never in the reconcile
 * thread; it runs again when the spec or the Secret changes, and every {@code recheckInterval}.
 */
public abstract class SourceReconciler<R extends CustomResource<?, SourceStatus>>
    implements Reconciler<R> {
  public static final String READY = "clusterReady";
  public static final String NOT_READY = "clusterNotReady";

  private static final Logger log = LoggerFactory.getLogger(SourceReconciler.class);

  private final Class<R> type;
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

  protected SourceReconciler(
      Class<R> type,
      KubernetesClient client,
      ImportEngine engine,
      SourceResolver resolver,
      ExecutorService checks,
      Duration recheckInterval,
      Clock clock) {
    this.type = type;
    this.client = client;
    this.engine = engine;
    this.resolver = resolver;
    this.checks = checks;
    this.recheckInterval = recheckInterval;
    this.clock = clock;
  }

  /** A change of a Secret wakes the sources that use it. */
  @Override
  public List<EventSource<?, R>> prepareEventSources(EventSourceContext<R> context) {
    InformerEventSourceConfiguration<Secret> secrets =
        InformerEventSourceConfiguration.from(Secret.class, type)
            .withName(type.getSimpleName() + "-secrets")
            // only a change is needed from here; the check reads the Secret itself
            .withItemStore(new TransformingItemStore<>(SourceReconciler::withoutData))
            .withSecondaryToPrimaryMapper(
                secret -> {
                  String ref =
                      secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName();
                  return context
                      .getPrimaryCache()
                      .list()
                      .filter(source -> ref.equals(SourceResolver.secretOf(source)))
                      .map(ResourceID::fromResource)
                      .collect(Collectors.toSet());
                })
            .withPrimaryToSecondaryMapper(
                (R source) -> {
                  String ref = SourceResolver.secretOf(source);
                  if (ref == null) {
                    return Set.of();
                  }
                  int slash = ref.indexOf('/');
                  return Set.of(new ResourceID(ref.substring(slash + 1), ref.substring(0, slash)));
                })
            .build();
    return List.of(new InformerEventSource<>(secrets, context));
  }

  /**
   * What the Secret cache keeps of a Secret: its name and version, not its keys and values. The
   * informer sees every Secret of the watched namespaces (a Secret has no field a watch could
   * select on); holding all their data (and kubectl's last-applied annotation, which repeats it) in
   * memory would be wasteful and needlessly exposed. A new object, not the informer's own one
   * trimmed: trimming that one in place kept Secret changes from reaching the sources.
   */
  static Secret withoutData(Secret secret) {
    Secret kept = new Secret();
    kept.setMetadata(
        new ObjectMetaBuilder()
            .withName(secret.getMetadata().getName())
            .withNamespace(secret.getMetadata().getNamespace())
            .withUid(secret.getMetadata().getUid())
            .withResourceVersion(secret.getMetadata().getResourceVersion())
            .withLabels(secret.getMetadata().getLabels())
            .build());
    kept.setType(secret.getType());
    return kept;
  }

  @Override
  public UpdateControl<R> reconcile(R source, Context<R> context) {
    String uid = source.getMetadata().getUid();
    String fingerprint =
        source.getMetadata().getGeneration()
            + "/"
            + context
                .getSecondaryResource(Secret.class)
                .map(s -> s.getMetadata().getResourceVersion())
                .orElse("-");
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
      java.util.concurrent.FutureTask<Void> task =
          new java.util.concurrent.FutureTask<>(() -> check(source, token), null);
      checksByUid.put(uid, new Check(fingerprint, task, now, token));
      checks.execute(task);
    }
    return UpdateControl.<R>noUpdate().rescheduleAfter(recheckInterval);
  }

  /** Checks {@code source}; writes the result unless a newer check has started meanwhile. */
  private void check(R source, Object token) {
    String what =
        source.getKind()
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
    writeStatus(source, ready, problem);
  }

  /**
   * Writes the check's result, again while the API server's refusal may pass (in this check's
   * thread: the next check is minutes away and would leave a wrong status until then).
   */
  private void writeStatus(R source, boolean ready, String problem) {
    Instant now = clock.instant();
    String what =
        "writing the status of "
            + source.getMetadata().getNamespace()
            + "/"
            + source.getMetadata().getName();
    try {
      ApiRetry.run(backoff, what, () -> editStatus(source, ready, problem, now));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        log.warn("{} failed: {}", what, e.getMessage());
      }
    }
  }

  private void editStatus(R source, boolean ready, String problem, Instant now) {
    String uid = source.getMetadata().getUid();
    client
        .resources(type)
        .inNamespace(source.getMetadata().getNamespace())
        .withName(source.getMetadata().getName())
        .editStatus(
            current -> {
              if (!uid.equals(current.getMetadata().getUid())) {
                // deleted and created again meanwhile: the new source gets its own check
                return current;
              }
              SourceStatus status =
                  current.getStatus() == null ? new SourceStatus() : current.getStatus();
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
              setStatus(current, status);
              return current;
            });
  }

  @SuppressWarnings("unchecked")
  private static <R extends CustomResource<?, SourceStatus>> void setStatus(
      R resource, SourceStatus status) {
    ((CustomResource<Object, SourceStatus>) resource).setStatus(status);
  }

  static boolean isReady(CustomResource<?, SourceStatus> source) {
    return source.getStatus() != null && Objects.equals(READY, source.getStatus().status);
  }
}
