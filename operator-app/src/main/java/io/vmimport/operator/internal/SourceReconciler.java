package io.vmimport.operator.internal;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import io.vmimport.operator.crd.SourceStatus;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reconciles one built-in source kind on java-operator-sdk: each change of a source or of its
 * Secret, and every {@code recheckInterval}, asks the {@link SourceChecker} to check it. A third
 * party's kind has no class for the SDK to watch; {@link PluginSourceWatch} does the same for
 * those.
 */
public abstract class SourceReconciler<R extends CustomResource<?, SourceStatus>>
    implements Reconciler<R> {
  private final Class<R> type;
  private final SourceKind kind;
  private final SourceChecker checker;

  protected SourceReconciler(Class<R> type, SourceChecker checker) {
    this.type = type;
    this.kind = SourceKind.of(type);
    this.checker = checker;
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
    checker.ensureChecked(
        kind,
        source,
        context
            .getSecondaryResource(Secret.class)
            .map(s -> s.getMetadata().getResourceVersion())
            .orElse("-"));
    return UpdateControl.<R>noUpdate().rescheduleAfter(checker.recheckInterval());
  }
}
