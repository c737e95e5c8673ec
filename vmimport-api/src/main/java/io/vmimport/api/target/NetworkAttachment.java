package io.vmimport.api.target;

import static java.util.Objects.requireNonNull;

/**
 * Where a target NIC is attached: the pod network, or a Multus NetworkAttachmentDefinition.
 *
 * @param namespace empty for the pod network
 * @param name empty for the pod network
 */
public record NetworkAttachment(boolean podNetwork, String namespace, String name) {
  public static final NetworkAttachment POD = new NetworkAttachment(true, "", "");

  public NetworkAttachment {
    requireNonNull(namespace, "namespace is null");
    requireNonNull(name, "name is null");
    if (!podNetwork && (namespace.isEmpty() || name.isEmpty())) {
      throw new IllegalArgumentException("a Multus network needs a namespace and a name");
    }
  }

  public static NetworkAttachment multus(String namespace, String name) {
    return new NetworkAttachment(false, namespace, name);
  }

  /** {@code namespace/name}, as KubeVirt's {@code multus.networkName}, or {@code pod}. */
  @Override
  public String toString() {
    return podNetwork ? "pod" : namespace + "/" + name;
  }
}
