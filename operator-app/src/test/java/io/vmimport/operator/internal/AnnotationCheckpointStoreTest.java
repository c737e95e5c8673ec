package io.vmimport.operator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.core.Checkpoint;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.operator.crd.VirtualMachineImportSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class AnnotationCheckpointStoreTest {
  private static final String PATH =
      "/apis/migration.harvesterhci.io/v1beta1/namespaces/default/virtualmachineimports/web";
  // quick retries: what is tested is that they happen, not how long they wait
  private static final ApiRetry.Backoff FAST =
      new ApiRetry.Backoff(5, Duration.ofMillis(10), Duration.ofMillis(40));

  KubernetesClient client;
  KubernetesMockServer server;

  private ImportRef ref;
  private AnnotationCheckpointStore store;

  @BeforeEach
  void setUp() {
    VirtualMachineImport vmi = new VirtualMachineImport();
    vmi.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("default").build());
    vmi.setSpec(new VirtualMachineImportSpec());
    VirtualMachineImport created =
        client.resources(VirtualMachineImport.class).inNamespace("default").resource(vmi).create();
    ref = new ImportRef("default", "web", created.getMetadata().getUid());
    store = new AnnotationCheckpointStore(Clients.withFewRetries(client), FAST);
  }

  @Test
  void keepsFinishedDisksWithTheirOriginTheirConversionAndWhatTheExportHoldsOnTheSource() {
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
                List.of(new SourceArtifact("snapshot", "s-1"), new SourceArtifact("volume", "v-1")))
            // and that the guest on them was converted, or a restart exports and converts again
            .withGuestConverted(List.of(), "debian 12: converted by virt-v2v in 244 s");

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

  @Test
  void aCheckpointWriteThrottledLongerThanTheClientRetriesIsRetriedAndKept() {
    // the client itself tries twice: two of the store's attempts are refused
    server.expect().patch().withPath(PATH).andReturn(429, "{}").times(4);
    Checkpoint checkpoint =
        Checkpoint.EMPTY.withDisk(
            new Checkpoint.FinishedDisk(
                "2000", "/scratch/d.qcow2", 42, "vmware https://vc", "vm-7", 42));

    store.save(ref, checkpoint);

    assertThat(store.load(ref)).contains(checkpoint);
  }

  @Test
  void aCheckpointReadRefusedLongerThanTheClientRetriesIsRetried() {
    Checkpoint checkpoint =
        Checkpoint.EMPTY.withDisk(
            new Checkpoint.FinishedDisk(
                "2000", "/scratch/d.qcow2", 42, "vmware https://vc", "vm-7", 42));
    store.save(ref, checkpoint);
    server.expect().get().withPath(PATH).andReturn(503, "{}").times(4);

    assertThat(store.load(ref)).contains(checkpoint);
  }

  @Test
  void aConflictingCheckpointWriteIsRetried() {
    server.expect().patch().withPath(PATH).andReturn(409, "{}").once();
    Checkpoint checkpoint =
        Checkpoint.EMPTY.withDisk(
            new Checkpoint.FinishedDisk(
                "2000", "/scratch/d.qcow2", 42, "vmware https://vc", "vm-7", 42));

    store.save(ref, checkpoint);

    assertThat(store.load(ref)).contains(checkpoint);
  }

  @Test
  void aCheckpointWriteThatKeepsFailingFailsRetryablyNamingTheImport() {
    server.expect().patch().withPath(PATH).andReturn(503, "{}").times(10);

    assertThatThrownBy(() -> store.save(ref, Checkpoint.EMPTY))
        .isInstanceOfSatisfying(
            VmImportException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.TARGET_FAILED);
              assertThat(e.retryable()).isTrue();
            })
        .hasMessageContaining("VirtualMachineImport default/web");
  }

  @Test
  void anAnnotationThatIsNotJsonIsReportedNotTreatedAsEmpty() {
    annotate("{\"disks\":[{\"diskKey\":\"2000\",");

    assertThatThrownBy(() -> store.load(ref))
        .isInstanceOfSatisfying(
            VmImportException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
              assertThat(e.retryable()).isFalse();
            })
        .hasMessageContaining("vmimport.io/checkpoint")
        .hasMessageContaining("default/web")
        .hasMessageContaining("line 1");
  }

  @Test
  void anAnnotationOfTheWrongShapeIsReported() {
    annotate("{\"disks\":5}");

    assertThatThrownBy(() -> store.load(ref))
        .isInstanceOf(VmImportException.class)
        .hasMessageContaining("vmimport.io/checkpoint");
  }

  private void annotate(String value) {
    client
        .resources(VirtualMachineImport.class)
        .inNamespace("default")
        .withName("web")
        .edit(
            vmi -> {
              vmi.getMetadata().setAnnotations(Map.of(AnnotationCheckpointStore.ANNOTATION, value));
              return vmi;
            });
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
