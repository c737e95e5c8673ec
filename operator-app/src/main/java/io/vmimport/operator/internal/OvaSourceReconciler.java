package io.vmimport.operator.internal;

import io.vmimport.operator.crd.OvaSource;

/** {@link SourceReconciler} for OvaSource (a concrete class: JOSDK reads the resource type). */
public final class OvaSourceReconciler extends SourceReconciler<OvaSource> {
  public OvaSourceReconciler(SourceChecker checker) {
    super(OvaSource.class, checker);
  }
}
