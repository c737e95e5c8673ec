package io.vmimport.operator.internal;

import io.vmimport.operator.crd.VmwareSource;

/** {@link SourceReconciler} for VmwareSource (a concrete class: JOSDK reads the resource type). */
public final class VmwareSourceReconciler extends SourceReconciler<VmwareSource> {
  public VmwareSourceReconciler(SourceChecker checker) {
    super(VmwareSource.class, checker);
  }
}
