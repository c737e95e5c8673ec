package io.vmimport.operator.internal;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmimport.core.ImportEngine;
import io.vmimport.operator.crd.OvaSource;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;

/** {@link SourceReconciler} for OvaSource (a concrete class: JOSDK reads the resource type). */
public final class OvaSourceReconciler extends SourceReconciler<OvaSource> {
  public OvaSourceReconciler(
      KubernetesClient client,
      ImportEngine engine,
      SourceResolver resolver,
      ExecutorService checks,
      Duration recheckInterval,
      Clock clock) {
    super(OvaSource.class, client, engine, resolver, checks, recheckInterval, clock);
  }
}
