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
 * <p>Reads and writes are repeated while the API server's refusal may pass (see {@link ApiRetry}):
 * a failed write fails the import, and a lost one exports disks again. An annotation that is not a
 * checkpoint is reported, never taken for an empty one.
 *
 * <p>An annotation rather than a status field: a cluster may run with upstream's CRD, whose
 * structural schema would prune a status field it does not know; annotations are kept.
 */
public final class AnnotationCheckpointStore implements CheckpointStore {
  public static final String ANNOTATION = "vmimport.io/checkpoint";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final ApiRetry.Backoff backoff;

  public AnnotationCheckpointStore(KubernetesClient client) {
    this(client, ApiRetry.Backoff.DEFAULT);
  }

  AnnotationCheckpointStore(KubernetesClient client, ApiRetry.Backoff backoff) {
    this.client = client;
    this.backoff = backoff;
  }

  @Override
  public Optional<Checkpoint> load(ImportRef ref) {
    VirtualMachineImport vmi =
        read(
            ref,
            "reading the checkpoint of VirtualMachineImport " + ref,
            () -> resource(ref).get());
    return vmi == null ? Optional.empty() : parse(vmi);
  }

  /**
   * The checkpoint in {@code vmi}'s annotation, if it has one.
   *
   * @throws VmImportException {@code INVALID_SPEC} when the annotation is not a checkpoint (not
   *     JSON, or not its shape): taking it for none would export every disk again, and forget what
   *     an export left on the source
   */
  static Optional<Checkpoint> parse(VirtualMachineImport vmi) {
    Map<String, String> annotations = vmi.getMetadata().getAnnotations();
    String json = annotations == null ? null : annotations.get(ANNOTATION);
    if (json == null || json.isBlank()) {
      return Optional.empty();
    }
    try {
      Stored stored = JSON.readValue(json, Stored.class);
      Map<String, Checkpoint.FinishedDisk> disks = new LinkedHashMap<>();
      for (Checkpoint.FinishedDisk disk :
          stored.disks() == null ? List.<Checkpoint.FinishedDisk>of() : stored.disks()) {
        disks.put(disk.diskKey(), disk);
      }
      return Optional.of(
          new Checkpoint(
              stored.importUid(),
              disks,
              stored.sourceArtifacts() == null ? List.of() : stored.sourceArtifacts(),
              stored.guestConverted()));
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw invalid(vmi, "is not a valid checkpoint: " + e.getOriginalMessage() + where, e);
    } catch (RuntimeException e) {
      throw invalid(vmi, "is not a valid checkpoint: " + e.getMessage(), e);
    }
  }

  private static VmImportException invalid(
      VirtualMachineImport vmi, String problem, Exception cause) {
    String name = vmi.getMetadata().getName();
    return new VmImportException(
        ErrorCode.INVALID_SPEC,
        "the annotation "
            + ANNOTATION
            + " of VirtualMachineImport "
            + vmi.getMetadata().getNamespace()
            + "/"
            + name
            + " "
            + problem
            + "; fix it, or remove it to start the import over (kubectl annotate"
            + " virtualmachineimport "
            + name
            + " "
            + ANNOTATION
            + "-)",
        cause);
  }

  @Override
  public void save(ImportRef ref, Checkpoint checkpoint) {
    try {
      String json =
          JSON.writeValueAsString(
              new Stored(
                  checkpoint.importUid().isEmpty() ? null : checkpoint.importUid(),
                  List.copyOf(checkpoint.disks().values()),
                  checkpoint.sourceArtifacts().isEmpty() ? null : checkpoint.sourceArtifacts(),
                  checkpoint.guestConverted().isEmpty() ? null : checkpoint.guestConverted()));
      patch(ref, Map.of(ANNOTATION, json));
    } catch (JsonProcessingException e) {
      throw new VmImportException(ErrorCode.INTERNAL, "cannot write checkpoint of " + ref, e);
    }
  }

  @Override
  public void delete(ImportRef ref) {
    String what = "removing the checkpoint of VirtualMachineImport " + ref;
    VirtualMachineImport vmi = read(ref, what, () -> resource(ref).get());
    if (vmi == null
        || vmi.getMetadata().getAnnotations() == null
        || !vmi.getMetadata().getAnnotations().containsKey(ANNOTATION)) {
      return;
    }
    // a JSON patch "remove": unlike a merge patch with null, every API server implementation
    // (fabric8's mock too) drops the key
    String path = "/metadata/annotations/" + ANNOTATION.replace("~", "~0").replace("/", "~1");
    try {
      ApiRetry.run(
          backoff,
          what,
          () ->
              resource(ref)
                  .patch(
                      PatchContext.of(PatchType.JSON),
                      "[{\"op\":\"remove\",\"path\":\"" + path + "\"}]"));
    } catch (KubernetesClientException e) {
      // 422: the annotation went meanwhile
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
    String body;
    try {
      body = JSON.writeValueAsString(Map.of("metadata", Map.of("annotations", annotations)));
    } catch (JsonProcessingException e) {
      throw new VmImportException(ErrorCode.INTERNAL, "cannot write checkpoint of " + ref, e);
    }
    try {
      // a merge patch of one annotation: repeating it after a conflict cannot undo another change
      ApiRetry.run(
          backoff,
          "writing the checkpoint of VirtualMachineImport " + ref,
          () -> resource(ref).patch(PatchContext.of(PatchType.JSON_MERGE), body));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw new VmImportException(
            ErrorCode.TARGET_FAILED,
            "cannot write the checkpoint of VirtualMachineImport " + ref + ": " + e.getMessage(),
            e,
            true);
      }
    }
  }

  /** A read, repeated while the API server's failure may pass. */
  private VirtualMachineImport read(
      ImportRef ref, String what, java.util.function.Supplier<VirtualMachineImport> get) {
    try {
      VirtualMachineImport vmi = ApiRetry.call(backoff, what, get);
      // a new import of the same name is not the one whose checkpoint is asked for
      return vmi == null || !ref.uid().equals(vmi.getMetadata().getUid()) ? null : vmi;
    } catch (KubernetesClientException e) {
      throw new VmImportException(
          ErrorCode.TARGET_FAILED, what + " failed: " + e.getMessage(), e, true);
    }
  }

  private io.fabric8.kubernetes.client.dsl.Resource<VirtualMachineImport> resource(ImportRef ref) {
    return client
        .resources(VirtualMachineImport.class)
        .inNamespace(ref.namespace())
        .withName(ref.name());
  }

  /**
   * The annotation's JSON; {@code sourceArtifacts} only while an export holds some, {@code
   * guestConverted} only once the guest on the disks was converted. {@code importUid} binds the
   * finished disks to the import that made them: an annotation copied onto another import (with
   * {@code kubectl get -o yaml | kubectl create}, say) is not taken for its own.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Stored(
      String importUid,
      List<Checkpoint.FinishedDisk> disks,
      List<SourceArtifact> sourceArtifacts,
      String guestConverted) {}
}
