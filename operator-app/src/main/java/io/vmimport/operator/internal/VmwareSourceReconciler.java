package io.vmimport.operator.internal;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmimport.core.ImportEngine;
import io.vmimport.operator.crd.VmwareSource;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;

/** {@link SourceReconciler} for VmwareSource (a concrete class: JOSDK reads the resource type). */
public final class VmwareSourceReconciler extends SourceReconciler<VmwareSource> {
  public VmwareSourceReconciler(
      KubernetesClient client,
      ImportEngine engine,
      SourceResolver resolver,
      ExecutorService checks,
      Duration recheckInterval,
      Clock clock) {
    super(VmwareSource.class, client, engine, resolver, checks, recheckInterval, clock);
  }
}
