package io.vmimport.target.harvester.internal;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.util.function.Supplier;

/** Kubernetes API calls with fabric8's exceptions translated at the target's boundary. */
public final class KubeCalls {
  public static final ResourceDefinitionContext IMAGES =
      context("harvesterhci.io", "v1beta1", "VirtualMachineImage", "virtualmachineimages");
  public static final ResourceDefinitionContext VMS =
      context("kubevirt.io", "v1", "VirtualMachine", "virtualmachines");
  public static final ResourceDefinitionContext NADS =
      context(
          "k8s.cni.cncf.io", "v1", "NetworkAttachmentDefinition", "network-attachment-definitions");
  public static final ResourceDefinitionContext IMPORTS =
      context(
          "migration.harvesterhci.io", "v1beta1", "VirtualMachineImport", "virtualmachineimports");

  private KubeCalls() {}

  private static ResourceDefinitionContext context(
      String group, String version, String kind, String plural) {
    return new ResourceDefinitionContext.Builder()
        .withGroup(group)
        .withVersion(version)
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(true)
        .build();
  }

  /** Runs one API call; {@code what} says what was attempted, for the message. */
  public static <T> T call(String what, Supplier<T> call) {
    try {
      return call.get();
    } catch (KubernetesClientException e) {
      throw translate(what, e);
    }
  }

  public static void run(String what, Runnable call) {
    call(
        what,
        () -> {
          call.run();
          return null;
        });
  }

  public static VmImportException translate(String what, KubernetesClientException e) {
    int code = e.getCode();
    String reason =
        e.getStatus() != null && e.getStatus().getMessage() != null
            ? e.getStatus().getMessage()
            : e.getMessage();
    String message = "cannot " + what + ": " + reason;
    if (code == 401) {
      return new VmImportException(ErrorCode.AUTHENTICATION_FAILED, message, e);
    }
    if (code == 403) {
      return new VmImportException(ErrorCode.PERMISSION_DENIED, message, e);
    }
    if (code == 400 || code == 422) {
      return new VmImportException(ErrorCode.TARGET_FAILED, message, e, false);
    }
    return new VmImportException(ErrorCode.TARGET_FAILED, message, e, true);
  }
}
