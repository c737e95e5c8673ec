package io.vmimport.operator.internal;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmimport.core.ImportEngine;
import io.vmimport.operator.crd.OpenstackSource;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;

/**
 * {@link SourceReconciler} for OpenstackSource (a concrete class: JOSDK reads the resource type).
 */
public final class OpenstackSourceReconciler extends SourceReconciler<OpenstackSource> {
  public OpenstackSourceReconciler(
      KubernetesClient client,
      ImportEngine engine,
      SourceResolver resolver,
      ExecutorService checks,
      Duration recheckInterval,
      Clock clock) {
    super(OpenstackSource.class, client, engine, resolver, checks, recheckInterval, clock);
  }
}
