package io.vmimport.operator.internal;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the sources of third parties' kinds and has the {@link SourceChecker} check them, as
 * {@link SourceReconciler} does for the built-in kinds: java-operator-sdk needs a class per primary
 * resource, and a plugin's kind has none, so these are fabric8 informers of {@link
 * GenericKubernetesResource}s. A source is checked when it or its Secret changes, and every recheck
 * interval (the informers' resync). They run only while this process leads.
 */
public final class PluginSourceWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PluginSourceWatch.class);

  private final KubernetesClient client;
  private final List<SourceKind> kinds;
  private final Set<String> namespaces;
  private final SourceChecker checker;
  private final List<SharedIndexInformer<Secret>> secrets = new CopyOnWriteArrayList<>();
  private final List<Watched> sources = new CopyOnWriteArrayList<>();
  private boolean started;

  private record Watched(
      SourceKind kind, SharedIndexInformer<GenericKubernetesResource> informer) {}

  /**
   * @param namespaces the watched namespaces; empty: all
   */
  public PluginSourceWatch(
      KubernetesClient client,
      List<SourceKind> kinds,
      Set<String> namespaces,
      SourceChecker checker) {
    this.client = client;
    this.kinds = List.copyOf(kinds);
    this.namespaces = Set.copyOf(namespaces);
    this.checker = checker;
  }

  /**
   * Fails, naming the CRD to apply, when the cluster does not know a plugin's kind: a process with
   * the provider but not its CRD would otherwise leave its sources unchecked and its imports
   * waiting. Reads each CRD by name (the chart grants that, and nothing else of the CRDs).
   */
  public void verifyInstalled() {
    for (SourceKind kind : kinds) {
      CustomResourceDefinition installed =
          client.apiextensions().v1().customResourceDefinitions().withName(kind.crdName()).get();
      String problem = null;
      if (installed == null) {
        problem = "the cluster has no CRD " + kind.crdName();
      } else if (installed.getSpec().getVersions().stream()
          .noneMatch(
              v -> kind.version().equals(v.getName()) && Boolean.TRUE.equals(v.getServed()))) {
        problem =
            "the CRD " + kind.crdName() + " in the cluster serves no version " + kind.version();
      }
      if (problem != null) {
        throw new IllegalStateException(
            problem
                + " for the source kind "
                + kind.kind()
                + " of a provider on the class path; apply the CRD its jar ships ("
                + kind.crd()
                + ") with kubectl apply, or remove the jar");
      }
    }
  }

  /** Starts the informers (once); returns when they have listed what there is. */
  public synchronized void start() {
    if (started || kinds.isEmpty()) {
      return;
    }
    started = true;
    long resync = checker.recheckInterval().toMillis();
    forEachScope(
        scope -> {
          SharedIndexInformer<Secret> informer =
              (scope == null
                      ? client.secrets().inAnyNamespace()
                      : client.secrets().inNamespace(scope))
                  .runnableInformer(0);
          // names and versions only, as the built-in kinds' Secret cache keeps them
          informer.itemStore(new TransformingItemStore<>(SourceReconciler::withoutData));
          informer.addEventHandler(handler(this::secretChanged));
          secrets.add(informer);
        });
    for (SourceKind kind : kinds) {
      forEachScope(
          scope -> {
            var resources = client.genericKubernetesResources(kind.context());
            SharedIndexInformer<GenericKubernetesResource> informer =
                (scope == null ? resources.inAnyNamespace() : resources.inNamespace(scope))
                    .runnableInformer(resync);
            informer.addEventHandler(handler(source -> check(kind, source)));
            sources.add(new Watched(kind, informer));
          });
    }
    secrets.forEach(SharedIndexInformer::run);
    sources.forEach(w -> w.informer().run());
    log.info("watching the plugin source kinds {}", kinds.stream().map(SourceKind::kind).toList());
  }

  private void forEachScope(Consumer<String> action) {
    if (namespaces.isEmpty()) {
      action.accept(null);
    } else {
      namespaces.forEach(action);
    }
  }

  private static <T> ResourceEventHandler<T> handler(Consumer<T> changed) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        changed.accept(object);
      }

      @Override
      public void onUpdate(T previous, T object) {
        // also every resync: the recheck
        changed.accept(object);
      }

      @Override
      public void onDelete(T object, boolean finalStateUnknown) {}
    };
  }

  private void check(SourceKind kind, HasMetadata source) {
    String ref = SourceResolver.secretOf(source);
    String version = "-";
    if (ref != null) {
      for (SharedIndexInformer<Secret> informer : secrets) {
        Secret secret = informer.getStore().getByKey(ref);
        if (secret != null) {
          version = secret.getMetadata().getResourceVersion();
        }
      }
    }
    checker.ensureChecked(kind, source, version);
  }

  /** A change of a Secret wakes the sources that use it. */
  private void secretChanged(Secret secret) {
    String ref = secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName();
    for (Watched watched : sources) {
      for (GenericKubernetesResource source : watched.informer().getStore().list()) {
        if (Objects.equals(ref, SourceResolver.secretOf(source))) {
          checker.ensureChecked(watched.kind(), source, secret.getMetadata().getResourceVersion());
        }
      }
    }
  }

  /** Whether every informer watches (true when there is nothing to watch). */
  public boolean healthy() {
    List<SharedIndexInformer<?>> all = new ArrayList<>(secrets);
    sources.forEach(w -> all.add(w.informer()));
    return all.stream().allMatch(SharedIndexInformer::isWatching);
  }

  @Override
  public void close() {
    secrets.forEach(SharedIndexInformer::close);
    sources.forEach(w -> w.informer().close());
  }
}
