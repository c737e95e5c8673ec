package io.vmimport.operator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.core.Checkpoint;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.operator.crd.VirtualMachineImportSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class AnnotationCheckpointStoreTest {
  KubernetesClient client;

  private final ImportRef ref = new ImportRef("default", "web", "uid-web");
  private AnnotationCheckpointStore store;

  @BeforeEach
  void setUp() {
    VirtualMachineImport vmi = new VirtualMachineImport();
    vmi.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("default").build());
    vmi.setSpec(new VirtualMachineImportSpec());
    client.resources(VirtualMachineImport.class).inNamespace("default").resource(vmi).create();
    store = new AnnotationCheckpointStore(client);
  }

  @Test
  void keepsFinishedDisksWithTheirOriginAndWhatTheExportHoldsOnTheSource() {
    // the uid and each disk's origin must survive, or a restarted operator exports everything again
    Checkpoint checkpoint =
        Checkpoint.of("uid-web")
            .withDisk(
                new Checkpoint.FinishedDisk(
                    "2000",
                    "/scratch/web/disk-0.qcow2",
                    42,
                    "vmware https://vcenter/sdk",
                    "vm-42",
                    1024))
            .withSourceArtifacts(
                List.of(
                    new SourceArtifact("snapshot", "s-1"), new SourceArtifact("volume", "v-1")));

    store.save(ref, checkpoint);

    assertThat(new AnnotationCheckpointStore(client).load(ref)).contains(checkpoint);
  }

  @Test
  void anExportThatEndedLeavesNoArtifactsInTheAnnotation() {
    store.save(
        ref,
        Checkpoint.EMPTY.withDisk(
            new Checkpoint.FinishedDisk("2000", "/scratch/d.qcow2", 42, "", "", -1)));

    String json = annotation();
    assertThat(json).contains("2000").doesNotContain("sourceArtifacts");
  }

  @Test
  void readsAnAnnotationWrittenBeforeArtifactsWereKept() {
    client
        .resources(VirtualMachineImport.class)
        .inNamespace("default")
        .withName("web")
        .edit(
            vmi -> {
              vmi.getMetadata()
                  .setAnnotations(
                      Map.of(
                          AnnotationCheckpointStore.ANNOTATION,
                          "{\"disks\":[{\"diskKey\":\"2000\",\"path\":\"/s/d.qcow2\",\"sizeBytes\":7}]}"));
              return vmi;
            });

    Checkpoint loaded = store.load(ref).orElseThrow();

    assertThat(loaded.disks()).containsOnlyKeys("2000");
    assertThat(loaded.sourceArtifacts()).isEmpty();
  }

  private String annotation() {
    return client
        .resources(VirtualMachineImport.class)
        .inNamespace("default")
        .withName("web")
        .get()
        .getMetadata()
        .getAnnotations()
        .get(AnnotationCheckpointStore.ANNOTATION);
  }
}
