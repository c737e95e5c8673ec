package io.vmimport.operator.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.guest.GuestConversionPolicy;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.target.TargetVm;
import io.vmimport.operator.crd.VirtualMachineImport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Job of one import's disk worker. The worker gets what it needs and nothing more: no
 * ServiceAccount token (it calls nothing in the cluster), its Secret mounted read-only, scratch of
 * its own sized from the import's disks, and the placement the chart or the import's annotation
 * {@value #PLACEMENT_ANNOTATION} gives; by default the workers spread over the nodes.
 */
public final class WorkerJobSpec {
  /** An import's own placement for its worker: JSON with nodeSelector, tolerations, affinity. */
  public static final String PLACEMENT_ANNOTATION = "vmimport.io/worker-placement";

  static final String COMPONENT = "disk-worker";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long GIB = 1L << 30;

  /**
   * How workers run.
   *
   * @param namespace where the Jobs are made: the operator's
   * @param image the worker's image: the operator's
   * @param command the worker's command in that image
   * @param serviceAccount the worker pods' ServiceAccount (no rights; its token is not mounted)
   * @param retries how often a failed worker process runs again ({@code backoffLimit})
   * @param scratchStorageClass a storage class for an ephemeral scratch volume per worker; empty:
   *     an {@code emptyDir} on the node
   * @param placement node selector, tolerations and affinity of worker pods
   * @param resources the worker container's requests and limits
   * @param guestConversion the worker's default conversion policy (an import's annotation wins)
   * @param maxParallelDisks disks one worker transfers at once
   * @param port the worker's HTTP port
   * @param stopTimeout how long a stopping worker has to release what its export made
   */
  public record Settings(
      String namespace,
      String image,
      List<String> command,
      String serviceAccount,
      int retries,
      Optional<String> scratchStorageClass,
      Placement placement,
      ResourceRequirements resources,
      GuestConversionPolicy guestConversion,
      int maxParallelDisks,
      int port,
      Duration stopTimeout) {
    public Settings {
      requireNonNull(namespace, "namespace is null");
      requireNonNull(image, "image is null");
      command = List.copyOf(command);
      requireNonNull(serviceAccount, "serviceAccount is null");
      requireNonNull(scratchStorageClass, "scratchStorageClass is null");
      requireNonNull(placement, "placement is null");
      requireNonNull(resources, "resources is null");
      requireNonNull(guestConversion, "guestConversion is null");
      requireNonNull(stopTimeout, "stopTimeout is null");
      if (retries < 0) {
        throw new IllegalArgumentException("VMIMPORT_WORKER_RETRIES must be 0 or more: " + retries);
      }
    }
  }

  /** Where worker pods may run. */
  public record Placement(
      Map<String, String> nodeSelector, List<Toleration> tolerations, Affinity affinity) {
    public static final Placement ANYWHERE = new Placement(Map.of(), List.of(), null);

    public Placement {
      nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
      tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
    }

    /**
     * Reads {@code {"nodeSelector": {...}, "tolerations": [...], "affinity": {...}}}.
     *
     * @param what names the setting in the message when it is malformed
     */
    public static Placement parse(String json, String what) {
      try {
        Placement read = JSON.readValue(json, Placement.class);
        return read == null ? ANYWHERE : read;
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            what
                + ": not a placement ({\"nodeSelector\": {...}, \"tolerations\": [...],"
                + " \"affinity\": {...}}): "
                + e.getOriginalMessage(),
            e);
      }
    }
  }

  private final Settings settings;

  public WorkerJobSpec(Settings settings) {
    this.settings = requireNonNull(settings, "settings is null");
  }

  public Settings settings() {
    return settings;
  }

  /** The labels of everything made for the import's worker. */
  Map<String, String> labels(ImportRef ref) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", "vmimport");
    labels.put("app.kubernetes.io/component", COMPONENT);
    labels.put(JobDiskWorkers.IMPORT_UID, ref.uid());
    return labels;
  }

  /** Scratch for the disks: each written once as qcow2, plus as much again for staging. */
  static long scratchBytes(TargetVm vm) {
    long disks = vm.disks().stream().mapToLong(d -> d.source().capacityBytes()).sum();
    return 2 * disks + GIB;
  }

  Job job(ImportRef ref, String name, TargetVm vm, VirtualMachineImport vmi) {
    Placement placement = placement(vmi);
    Map<String, String> labels = labels(ref);
    List<EnvVar> env = new ArrayList<>();
    env.add(
        new EnvVarBuilder()
            .withName("POD_IP")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("status.podIP")
            .endFieldRef()
            .endValueFrom()
            .build());
    env.add(new EnvVar("VMIMPORT_WORK_DIR", WorkerProtocol.WORK_DIR, null));
    env.add(new EnvVar("VMIMPORT_SCRATCH_DIR", WorkerProtocol.SCRATCH_DIR, null));
    env.add(new EnvVar("VMIMPORT_WORKER_PORT", String.valueOf(settings.port()), null));
    env.add(new EnvVar("VMIMPORT_GUEST_CONVERSION", settings.guestConversion().wireValue(), null));
    env.add(
        new EnvVar(
            "VMIMPORT_MAX_PARALLEL_DISKS", String.valueOf(settings.maxParallelDisks()), null));
    env.add(new EnvVar("LIBGUESTFS_CACHEDIR", WorkerProtocol.SCRATCH_DIR + "/.guestfs", null));
    long scratch = scratchBytes(vm);
    Volume scratchVolume =
        settings
            .scratchStorageClass()
            .map(
                storageClass ->
                    new VolumeBuilder()
                        .withName("scratch")
                        .withNewEphemeral()
                        .withNewVolumeClaimTemplate()
                        .withNewMetadata()
                        .withLabels(labels)
                        .endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteOnce")
                        .withStorageClassName(storageClass)
                        .withNewResources()
                        .withRequests(Map.of("storage", new Quantity(String.valueOf(scratch))))
                        .endResources()
                        .endSpec()
                        .endVolumeClaimTemplate()
                        .endEphemeral()
                        .build())
            .orElseGet(
                () ->
                    new VolumeBuilder()
                        .withName("scratch")
                        .withNewEmptyDir()
                        .withSizeLimit(new Quantity(String.valueOf(scratch)))
                        .endEmptyDir()
                        .build());
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(settings.namespace())
        .withLabels(labels)
        .withAnnotations(Map.of("vmimport.io/import", ref.namespace() + "/" + ref.name()))
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(settings.retries())
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        // a crashed process runs again in the same pod, where its scratch and checkpoint are
        .withRestartPolicy("OnFailure")
        .withServiceAccountName(settings.serviceAccount())
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds(settings.stopTimeout().toSeconds())
        .withNodeSelector(placement.nodeSelector().isEmpty() ? null : placement.nodeSelector())
        .withTolerations(placement.tolerations())
        .withAffinity(placement.affinity())
        .withTopologySpreadConstraints(
            new TopologySpreadConstraintBuilder()
                .withMaxSkew(1)
                .withTopologyKey("kubernetes.io/hostname")
                .withWhenUnsatisfiable("ScheduleAnyway")
                .withLabelSelector(
                    new LabelSelectorBuilder()
                        .withMatchLabels(Map.of("app.kubernetes.io/component", COMPONENT))
                        .build())
                .build())
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(1000L)
        .withRunAsGroup(1000L)
        .withFsGroup(1000L)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .addNewContainer()
        .withName("worker")
        .withImage(settings.image())
        .withCommand(settings.command())
        .withEnv(env)
        .addNewPort()
        .withName("http")
        .withContainerPort(settings.port())
        .endPort()
        .withResources(settings.resources())
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .addNewVolumeMount()
        .withName("work")
        .withMountPath(WorkerProtocol.WORK_DIR)
        .withReadOnly(true)
        .endVolumeMount()
        .addNewVolumeMount()
        .withName("scratch")
        .withMountPath(WorkerProtocol.SCRATCH_DIR)
        .endVolumeMount()
        .withNewSecurityContext()
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .endSecurityContext()
        .endContainer()
        .addNewVolume()
        .withName("work")
        .withNewSecret()
        .withSecretName(name)
        .withDefaultMode(0400)
        .endSecret()
        .endVolume()
        .addToVolumes(scratchVolume)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** The chart's placement, or the import's own when its annotation gives one. */
  private Placement placement(VirtualMachineImport vmi) {
    Map<String, String> annotations = vmi.getMetadata().getAnnotations();
    String own = annotations == null ? null : annotations.get(PLACEMENT_ANNOTATION);
    return own == null
        ? settings.placement()
        : Placement.parse(own, "metadata.annotations." + PLACEMENT_ANNOTATION);
  }
}
