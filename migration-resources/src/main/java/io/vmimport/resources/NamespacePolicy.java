package io.vmimport.resources;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.SourceRef;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which namespaces an import may reach. By default an import uses a source of its own namespace,
 * and a source a Secret of its own namespace: otherwise whoever may create an import in one
 * namespace could point another namespace's source, and so its credentials, at their own VM. With a
 * set of watched namespaces, a source outside them is refused whatever the switches say: the
 * operator does not watch it, so it would use a source nobody checks.
 *
 * @param watchNamespaces empty means every namespace (the CLI, or an operator watching all)
 * @param allowSourcesHint how the user allows cross-namespace sources, in messages, e.g. {@code
 *     pass --allow-cross-namespace-sources to allow it}
 * @param allowSecretsHint the same for Secrets
 */
public record NamespacePolicy(
    boolean allowCrossNamespaceSources,
    boolean allowCrossNamespaceSecrets,
    Set<String> watchNamespaces,
    String allowSourcesHint,
    String allowSecretsHint) {
  public NamespacePolicy {
    watchNamespaces = Set.copyOf(requireNonNull(watchNamespaces, "watchNamespaces is null"));
    requireNonNull(allowSourcesHint, "allowSourcesHint is null");
    requireNonNull(allowSecretsHint, "allowSecretsHint is null");
  }

  /**
   * Checks the source an import names.
   *
   * @param document the import, in front of the message (may be empty)
   * @throws VmImportException {@code INVALID_SPEC} naming the field and the setting that allows it
   */
  public void checkSource(String document, String importNamespace, SourceRef source) {
    String what = source.kind() + " " + source.namespace() + "/" + source.name();
    if (!watchNamespaces.isEmpty() && !watchNamespaces.contains(source.namespace())) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          ResourceField.prefix(document)
              + "spec.sourceCluster.namespace: "
              + what
              + " is outside the watched namespaces "
              + new TreeSet<>(watchNamespaces)
              + "; an import may only use a source the operator watches (watchNamespaces)");
    }
    if (!source.namespace().equals(importNamespace) && !allowCrossNamespaceSources) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          ResourceField.prefix(document)
              + "spec.sourceCluster.namespace: "
              + what
              + " is in another namespace than the import ('"
              + importNamespace
              + "'), refused by default so that an import cannot use another namespace's source"
              + " and its credentials; "
              + allowSourcesHint);
    }
  }

  /**
   * Checks the Secret a source names.
   *
   * @param document the source, in front of the message (may be empty)
   * @throws VmImportException {@code INVALID_SPEC} naming the field and the setting that allows it
   */
  public void checkSecret(String document, String sourceNamespace, SecretRef secret) {
    if (!secret.namespace().equals(sourceNamespace) && !allowCrossNamespaceSecrets) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          ResourceField.prefix(document)
              + "spec.credentials.namespace: Secret "
              + secret
              + " is in another namespace than the source ('"
              + sourceNamespace
              + "'), refused by default so that a source cannot borrow another namespace's"
              + " credentials; "
              + allowSecretsHint);
    }
  }
}
