package io.vmimport.operator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.vmimport.api.VmImportException;
import io.vmimport.api.guest.GuestConversionPolicy;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.target.TargetCpu;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetVm;
import io.vmimport.operator.OperatorConfig;
import io.vmimport.operator.crd.VirtualMachineImport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Job of a disk worker: what it may use, where it runs. */
class WorkerJobSpecTest {
  private static final ImportRef REF = new ImportRef("team-a", "web", "0b9d4b0c-uid");
  private static final long GIB = 1L << 30;

  private static WorkerJobSpec spec(Optional<String> storageClass) {
    return new WorkerJobSpec(
        new WorkerJobSpec.Settings(
            "vmimport-system",
            "vmimport/vmimport-operator:1.0",
            OperatorConfig.WORKER_COMMAND,
            "vmimport-operator-worker",
            3,
            storageClass,
            new WorkerJobSpec.Placement(Map.of("vmimport.io/workers", "true"), List.of(), null),
            new ResourceRequirements(),
            GuestConversionPolicy.AUTO,
            2,
            8080,
            Duration.ofSeconds(120)));
  }

  private static TargetVm vm() {
    return new TargetVm(
        REF,
        "web",
        "web01",
        Optional.empty(),
        new TargetCpu(1, 2, 1),
        2048,
        Firmware.BIOS,
        List.of(
            new TargetDisk("disk-0", SourceDisk.of(0, "2000", "a", 10 * GIB), DiskBus.VIRTIO, 1),
            new TargetDisk("disk-1", SourceDisk.of(1, "2001", "b", 30 * GIB), DiskBus.VIRTIO, 2)),
        List.of(),
        Optional.empty());
  }

  private static VirtualMachineImport vmi(Map<String, String> annotations) {
    VirtualMachineImport vmi = new VirtualMachineImport();
    vmi.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace(REF.namespace())
            .withName(REF.name())
            .withUid(REF.uid())
            .withAnnotations(annotations)
            .build());
    return vmi;
  }

  @Test
  void theWorkerGetsNoTokenItsSecretReadOnlyAndScratchForItsDisks() {
    Job job = spec(Optional.empty()).job(REF, "vmimport-worker-x", vm(), vmi(Map.of()));
    PodSpec pod = job.getSpec().getTemplate().getSpec();

    assertThat(job.getMetadata().getNamespace()).isEqualTo("vmimport-system");
    assertThat(job.getMetadata().getLabels()).containsEntry(JobDiskWorkers.IMPORT_UID, REF.uid());
    assertThat(job.getSpec().getBackoffLimit()).isEqualTo(3);
    assertThat(pod.getRestartPolicy())
        .as("a crashed worker runs again in its pod, beside its checkpoint")
        .isEqualTo("OnFailure");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getServiceAccountName()).isEqualTo("vmimport-operator-worker");
    assertThat(pod.getContainers().get(0).getVolumeMounts())
        .filteredOn(m -> m.getName().equals("work"))
        .singleElement()
        .satisfies(m -> assertThat(m.getReadOnly()).isTrue());
    assertThat(pod.getVolumes())
        .filteredOn(v -> v.getName().equals("work"))
        .singleElement()
        .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("vmimport-worker-x"));
    assertThat(pod.getVolumes())
        .filteredOn(v -> v.getName().equals("scratch"))
        .singleElement()
        .satisfies(
            v ->
                assertThat(Quantity.getAmountInBytes(v.getEmptyDir().getSizeLimit()).longValue())
                    .as("twice the 40 GiB of disks, and 1 GiB")
                    .isEqualTo(81 * GIB));
    assertThat(pod.getNodeSelector()).containsEntry("vmimport.io/workers", "true");
    assertThat(pod.getTopologySpreadConstraints())
        .singleElement()
        .satisfies(c -> assertThat(c.getTopologyKey()).isEqualTo("kubernetes.io/hostname"));
  }

  @Test
  void aStorageClassGivesEachWorkerAnEphemeralVolume() {
    PodSpec pod =
        spec(Optional.of("longhorn-local"))
            .job(REF, "vmimport-worker-x", vm(), vmi(Map.of()))
            .getSpec()
            .getTemplate()
            .getSpec();
    var claim =
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals("scratch"))
            .findFirst()
            .orElseThrow()
            .getEphemeral()
            .getVolumeClaimTemplate()
            .getSpec();
    assertThat(claim.getStorageClassName()).isEqualTo("longhorn-local");
    assertThat(Quantity.getAmountInBytes(claim.getResources().getRequests().get("storage")))
        .isEqualByComparingTo(String.valueOf(81 * GIB));
  }

  @Test
  void anImportsAnnotationPlacesItsWorkerInsteadOfTheCharts() {
    PodSpec pod =
        spec(Optional.empty())
            .job(
                REF,
                "vmimport-worker-x",
                vm(),
                vmi(
                    Map.of(
                        WorkerJobSpec.PLACEMENT_ANNOTATION,
                        "{\"nodeSelector\": {\"zone\": \"b\"}, \"tolerations\": [{\"key\":"
                            + " \"migration\", \"operator\": \"Exists\"}]}")))
            .getSpec()
            .getTemplate()
            .getSpec();
    assertThat(pod.getNodeSelector()).isEqualTo(Map.of("zone", "b"));
    assertThat(pod.getTolerations()).extracting(t -> t.getKey()).containsExactly("migration");
  }

  @Test
  void aMalformedPlacementAnnotationNamesIt() {
    VmImportException e =
        catchThrowableOfType(
            VmImportException.class,
            () ->
                spec(Optional.empty())
                    .job(
                        REF,
                        "vmimport-worker-x",
                        vm(),
                        vmi(Map.of(WorkerJobSpec.PLACEMENT_ANNOTATION, "{\"nodeSelector\": 3"))));
    assertThat(e.getMessage()).startsWith("metadata.annotations.vmimport.io/worker-placement: ");
  }
}
