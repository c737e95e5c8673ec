package io.vmimport.operator.internal;

import io.vmimport.operator.crd.OpenstackSource;

/**
 * {@link SourceReconciler} for OpenstackSource (a concrete class: JOSDK reads the resource type).
 */
public final class OpenstackSourceReconciler extends SourceReconciler<OpenstackSource> {
  public OpenstackSourceReconciler(SourceChecker checker) {
    super(OpenstackSource.class, checker);
  }
}
