package io.vmimport.operator.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.core.Checkpoint;
import io.vmimport.core.CheckpointStore;
import io.vmimport.operator.crd.VirtualMachineImport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps an import's checkpoint (its finished disks) on the VirtualMachineImport itself, in the
 * annotation {@value #ANNOTATION}, so that a restarted operator does not export them again. The
 * checkpoint also lists what a running export holds on the source, so that a process started after
 * this one died removes it.
 *
 * <p>An annotation rather than a status field: a cluster may run with upstream's CRD, whose
 * structural schema would prune a status field it does not know; annotations are kept.
 */
public final class AnnotationCheckpointStore implements CheckpointStore {
  public static final String ANNOTATION = "vmimport.io/checkpoint";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;

  public AnnotationCheckpointStore(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Optional<Checkpoint> load(ImportRef ref) {
    VirtualMachineImport vmi = resource(ref).get();
    if (vmi == null || vmi.getMetadata().getAnnotations() == null) {
      return Optional.empty();
    }
    String json = vmi.getMetadata().getAnnotations().get(ANNOTATION);
    if (json == null || json.isBlank()) {
      return Optional.empty();
    }
    try {
      Stored stored = JSON.readValue(json, Stored.class);
      Map<String, Checkpoint.FinishedDisk> disks = new LinkedHashMap<>();
      for (Checkpoint.FinishedDisk disk : stored.disks()) {
        disks.put(disk.diskKey(), disk);
      }
      return Optional.of(new Checkpoint(stored.importUid(), disks, stored.sourceArtifacts()));
    } catch (JsonProcessingException | RuntimeException e) {
      // a damaged checkpoint costs a re-export, never the import
      return Optional.empty();
    }
  }

  @Override
  public void save(ImportRef ref, Checkpoint checkpoint) {
    try {
      String json =
          JSON.writeValueAsString(
              new Stored(
                  checkpoint.importUid().isEmpty() ? null : checkpoint.importUid(),
                  List.copyOf(checkpoint.disks().values()),
                  checkpoint.sourceArtifacts().isEmpty() ? null : checkpoint.sourceArtifacts()));
      patch(ref, Map.of(ANNOTATION, json));
    } catch (JsonProcessingException e) {
      throw new VmImportException(ErrorCode.INTERNAL, "cannot write checkpoint of " + ref, e);
    }
  }

  @Override
  public void delete(ImportRef ref) {
    VirtualMachineImport vmi = resource(ref).get();
    if (vmi == null
        || vmi.getMetadata().getAnnotations() == null
        || !vmi.getMetadata().getAnnotations().containsKey(ANNOTATION)) {
      return;
    }
    // a JSON patch "remove": unlike a merge patch with null, every API server implementation
    // (fabric8's mock too) drops the key
    String path = "/metadata/annotations/" + ANNOTATION.replace("~", "~0").replace("/", "~1");
    try {
      resource(ref)
          .patch(
              PatchContext.of(PatchType.JSON), "[{\"op\":\"remove\",\"path\":\"" + path + "\"}]");
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 422) {
        throw new VmImportException(
            ErrorCode.TARGET_FAILED,
            "cannot remove the checkpoint of VirtualMachineImport " + ref + ": " + e.getMessage(),
            e,
            true);
      }
    }
  }

  private void patch(ImportRef ref, Map<String, ?> annotations) {
    try {
      String body = JSON.writeValueAsString(Map.of("metadata", Map.of("annotations", annotations)));
      resource(ref).patch(PatchContext.of(PatchType.JSON_MERGE), body);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw new VmImportException(
            ErrorCode.TARGET_FAILED,
            "cannot write the checkpoint of VirtualMachineImport " + ref + ": " + e.getMessage(),
            e,
            true);
      }
    } catch (JsonProcessingException e) {
      throw new VmImportException(ErrorCode.INTERNAL, "cannot write checkpoint of " + ref, e);
    }
  }

  private io.fabric8.kubernetes.client.dsl.Resource<VirtualMachineImport> resource(ImportRef ref) {
    return client
        .resources(VirtualMachineImport.class)
        .inNamespace(ref.namespace())
        .withName(ref.name());
  }

  /**
   * The annotation's JSON; {@code sourceArtifacts} only while an export holds some. {@code
   * importUid} binds the finished disks to the import that made them: an annotation copied onto
   * another import (with {@code kubectl get -o yaml | kubectl create}, say) is not taken for its
   * own.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Stored(
      String importUid,
      List<Checkpoint.FinishedDisk> disks,
      List<SourceArtifact> sourceArtifacts) {}
}
