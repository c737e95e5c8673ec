package io.vmimport.operator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmimport.api.ImportPhase;
import io.vmimport.api.model.ImportRef;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.operator.crd.VirtualMachineImportSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The import's status reaches the API server even when it refuses writes for a while (on fabric8's
 * mock server, answering chosen requests with an error before its CRUD store takes them).
 */
@EnableKubernetesMockClient(crud = true)
class ImportStatusWriterTest {
  private static final String STATUS =
      "/apis/migration.harvesterhci.io/v1beta1/namespaces/default/virtualmachineimports/web/status";
  private static final ApiRetry.Backoff FAST =
      new ApiRetry.Backoff(5, Duration.ofMillis(10), Duration.ofMillis(40));

  KubernetesClient client;
  KubernetesMockServer server;

  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  private KubernetesClient operatorClient;
  private VirtualMachineImport vmi;
  private ImportRef ref;

  @BeforeEach
  void setUp() {
    vmi = create();
    ref = new ImportRef("default", "web", vmi.getMetadata().getUid());
    operatorClient = Clients.withFewRetries(client);
  }

  @AfterEach
  void tearDown() {
    scheduler.shutdownNow();
    operatorClient.close();
  }

  @Test
  void aStatusRefusedLongerThanTheClientRetriesIsWrittenLater() throws Exception {
    // the client itself tries twice: the writer's first two attempts are refused
    server.expect().patch().withPath(STATUS).andReturn(503, "{}").times(4);
    ImportStatusWriter writer = writer();

    writer.phaseChanged(ref, ImportPhase.VALID, "valid");

    awaitStatus(v -> "virtualMachineImportValid".equals(importStatus(v)));
  }

  @Test
  void theFinalStatusIsWrittenHoweverLongTheApiServerRefusesIt() throws Exception {
    // 15 attempts of the writer refused: three times as many as a status that is not final gets
    server.expect().patch().withPath(STATUS).andReturn(503, "{}").times(30);
    ImportStatusWriter writer = writer();

    writer.phaseChanged(ref, ImportPhase.VM_RUNNING, "VM web is running");
    writer.flushNow();
    assertThat(writer.settled()).as("settled before the API server accepted it").isNotDone();

    awaitStatus(v -> "virtualMachineRunning".equals(importStatus(v)));
    writer.settled().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aConflictIsResolvedByWritingAgain() throws Exception {
    server.expect().patch().withPath(STATUS).andReturn(409, "{}").once();
    ImportStatusWriter writer = writer();

    writer.phaseChanged(ref, ImportPhase.FAILED, "the source went away");

    awaitStatus(v -> "VMMigrationFailed".equals(importStatus(v)));
    writer.settled().get(10, TimeUnit.SECONDS);
  }

  @Test
  void theStatusOfADeletedImportIsNotWrittenToANewOneOfTheSameName() throws Exception {
    ImportStatusWriter writer = writer();
    client.resources(VirtualMachineImport.class).inNamespace("default").withName("web").delete();
    awaitGone();
    VirtualMachineImport again = create();

    writer.phaseChanged(ref, ImportPhase.FAILED, "the source went away");

    writer.settled().get(10, TimeUnit.SECONDS);
    VirtualMachineImport now =
        client.resources(VirtualMachineImport.class).inNamespace("default").withName("web").get();
    assertThat(now.getMetadata().getUid()).isEqualTo(again.getMetadata().getUid());
    assertThat(importStatus(now)).isEmpty();
  }

  private ImportStatusWriter writer() {
    Clock clock = Clock.systemUTC();
    return new ImportStatusWriter(
        operatorClient,
        vmi,
        new Events(operatorClient, clock),
        new OperatorMetrics(),
        scheduler,
        Duration.ofMillis(50),
        clock,
        FAST);
  }

  private VirtualMachineImport create() {
    VirtualMachineImport object = new VirtualMachineImport();
    object.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("default").build());
    object.setSpec(new VirtualMachineImportSpec());
    return client
        .resources(VirtualMachineImport.class)
        .inNamespace("default")
        .resource(object)
        .create();
  }

  private void awaitStatus(Predicate<VirtualMachineImport> condition) throws Exception {
    Instant deadline = Instant.now().plusSeconds(10);
    VirtualMachineImport current = null;
    while (Instant.now().isBefore(deadline)) {
      current =
          client.resources(VirtualMachineImport.class).inNamespace("default").withName("web").get();
      if (condition.test(current)) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    throw new AssertionError("status not written in time: " + importStatus(current));
  }

  private void awaitGone() throws Exception {
    Instant deadline = Instant.now().plusSeconds(10);
    while (client.resources(VirtualMachineImport.class).inNamespace("default").withName("web").get()
        != null) {
      assertThat(Instant.now()).as("import deleted").isBefore(deadline);
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }

  private static String importStatus(VirtualMachineImport vmi) {
    return vmi == null || vmi.getStatus() == null || vmi.getStatus().importStatus == null
        ? ""
        : vmi.getStatus().importStatus;
  }
}
