package io.vmimport.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmimport.operator.TestKubelet.Node;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TestKubelet} runs Jobs of the mock API server as Kubernetes would: the pod template's
 * container as a local process ({@code sh -c}), with its env, volumes and address, restarts or
 * replacement pods after failures, statuses through the API, SIGTERM on deletion, scheduling over
 * the nodes.
 *
 * <p>(Not named TestKubeletIT: surefire's default includes take {@code Test*} classes, so it would
 * run as a unit test too.)
 */
@EnableKubernetesMockClient(crud = true)
class JobsOnTestKubeletIT {
  private static final String NS = "default";
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  KubernetesClient client;
  @TempDir Path dir;
  private TestKubelet kubelet;

  @BeforeEach
  void setUp() throws Exception {
    kubelet =
        new TestKubelet(
            client,
            Map.of("/opt/app/", Files.createDirectories(dir.resolve("app"))),
            List.of(
                new Node("n1", Map.of("disk", "ssd")),
                new Node("n2", Map.of("disk", "ssd")),
                new Node("n3", Map.of("disk", "hdd")),
                new Node(
                    "n4",
                    Map.of("disk", "hdd"),
                    List.of(
                        new TaintBuilder()
                            .withKey("dedicated")
                            .withValue("import")
                            .withEffect("NoSchedule")
                            .build()))),
            Files.createDirectories(dir.resolve("kubelet")));
  }

  @AfterEach
  void tearDown() {
    kubelet.close();
  }

  @Test
  void aJobRunsItsContainerWithEnvSecretsAndVolumesToCompletion() throws Exception {
    client
        .secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("creds")
                .endMetadata()
                .withData(Map.of("password", base64("s3cret"), "user", base64("admin")))
                .build())
        .create();
    Files.writeString(dir.resolve("app/version"), "1.2.3");
    String script =
        String.join(
            "\n",
            "echo \"greeting=$GREETING\"",
            "echo \"ip=$POD_IP\"",
            "echo \"password=$PASSWORD\"",
            "echo \"file=$(cat /etc/creds/pw) mode=$(stat -c %a /etc/creds/pw)\"",
            "echo \"version=$(cat /opt/app/version)\"",
            "echo written > /data/out",
            "echo \"data=$(cat \"$DATA\")\"",
            "echo \"cwd=$(pwd)\"",
            "env | cut -d= -f1 | sed 's/^/variable=/'");
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .resource(
            job(
                "env",
                script,
                "Never",
                0,
                spec -> {
                  spec.editFirstContainer()
                      .withEnv(
                          new EnvVarBuilder().withName("GREETING").withValue("hello").build(),
                          new EnvVarBuilder()
                              .withName("POD_IP")
                              .withNewValueFrom()
                              .withNewFieldRef()
                              .withFieldPath("status.podIP")
                              .endFieldRef()
                              .endValueFrom()
                              .build(),
                          new EnvVarBuilder()
                              .withName("PASSWORD")
                              .withNewValueFrom()
                              .withNewSecretKeyRef("password", "creds", false)
                              .endValueFrom()
                              .build(),
                          new EnvVarBuilder().withName("DATA").withValue("/data/out").build())
                      .withVolumeMounts(
                          new VolumeMountBuilder()
                              .withName("creds")
                              .withMountPath("/etc/creds")
                              .build(),
                          new VolumeMountBuilder()
                              .withName("scratch")
                              .withMountPath("/data")
                              .build())
                      .endContainer()
                      .withVolumes(
                          new VolumeBuilder()
                              .withName("creds")
                              .withNewSecret()
                              .withSecretName("creds")
                              .withDefaultMode(0400)
                              .addNewItem()
                              .withKey("password")
                              .withPath("pw")
                              .endItem()
                              .endSecret()
                              .build(),
                          new VolumeBuilder()
                              .withName("scratch")
                              .withNewEmptyDir()
                              .withSizeLimit(new Quantity("1Mi"))
                              .endEmptyDir()
                              .build());
                }))
        .create();

    Job job = awaitJobCondition("env", "Complete");

    assertThat(job.getStatus().getSucceeded()).isEqualTo(1);
    Pod pod = onlyPodOf("env");
    assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
    assertThat(pod.getMetadata().getLabels())
        .containsEntry("job-name", "env")
        .containsEntry("batch.kubernetes.io/job-name", "env")
        .containsEntry("controller-uid", job.getMetadata().getUid());
    assertThat(pod.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getUid()).isEqualTo(job.getMetadata().getUid());
              assertThat(owner.getController()).isTrue();
            });
    assertThat(pod.getSpec().getNodeName()).isIn("n1", "n2", "n3");
    String ip = pod.getStatus().getPodIP();
    assertThat(ip).startsWith("127.0.0.");
    String logs = kubelet.logs(NS, pod.getMetadata().getName());
    assertThat(logs.lines())
        .as(logs)
        .contains(
            "greeting=hello",
            "ip=" + ip,
            "password=s3cret",
            "file=s3cret mode=400",
            "version=1.2.3",
            "data=written",
            "variable=HOSTNAME");
    List<String> leaked =
        System.getenv().keySet().stream()
            .filter(
                name ->
                    !List.of("PATH", "JAVA_HOME", "PWD", "SHLVL", "_", "HOSTNAME").contains(name))
            .filter(name -> logs.lines().anyMatch(("variable=" + name)::equals))
            .toList();
    assertThat(leaked).as("the test JVM's variables the container saw").isEmpty();
  }

  @Test
  void anOnFailureJobRestartsItsContainerInTheSamePodUntilItSucceeds() throws Exception {
    String script =
        String.join(
            "\n",
            "n=$(cat /state/count 2>/dev/null || echo 0)",
            "n=$((n + 1))",
            "echo $n > /state/count",
            "echo \"run $n on $POD_IP\"",
            "[ $n -ge 3 ]");
    create(
        job(
            "flaky",
            script,
            "OnFailure",
            6,
            spec ->
                spec.editFirstContainer()
                    .addNewEnv()
                    .withName("POD_IP")
                    .withNewValueFrom()
                    .withNewFieldRef()
                    .withFieldPath("status.podIP")
                    .endFieldRef()
                    .endValueFrom()
                    .endEnv()
                    .addNewVolumeMount()
                    .withName("state")
                    .withMountPath("/state")
                    .endVolumeMount()
                    .endContainer()
                    .addNewVolume()
                    .withName("state")
                    .withNewEmptyDir()
                    .endEmptyDir()
                    .endVolume()));

    awaitJobCondition("flaky", "Complete");

    Pod pod = onlyPodOf("flaky");
    ContainerStatus container = pod.getStatus().getContainerStatuses().get(0);
    assertThat(container.getRestartCount()).isEqualTo(2);
    assertThat(container.getLastState().getTerminated().getExitCode()).isEqualTo(1);
    assertThat(container.getState().getTerminated().getReason()).isEqualTo("Completed");
    String ip = pod.getStatus().getPodIP();
    assertThat(kubelet.logs(NS, pod.getMetadata().getName()).lines())
        .containsExactly("run 1 on " + ip, "run 2 on " + ip, "run 3 on " + ip);
  }

  @Test
  void aContainerFailingAlwaysFailsTheJobAfterBackoffLimitPlusOneRuns() throws Exception {
    create(
        job(
            "broken",
            "echo run; echo 'disk full' > /dev/termination-log; exit 3",
            "OnFailure",
            2,
            spec -> {}));

    Job job = awaitJobCondition("broken", "Failed");

    JobCondition failed = condition(job, "Failed");
    assertThat(failed.getReason()).isEqualTo("BackoffLimitExceeded");
    assertThat(failed.getMessage()).isEqualTo("Job has reached the specified backoff limit");
    Pod pod = onlyPodOf("broken");
    assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
    ContainerStatus container = pod.getStatus().getContainerStatuses().get(0);
    assertThat(container.getRestartCount()).isEqualTo(2);
    assertThat(container.getLastState().getTerminated().getExitCode()).isEqualTo(3);
    assertThat(container.getLastState().getTerminated().getReason()).isEqualTo("Error");
    assertThat(container.getLastState().getTerminated().getMessage()).isEqualTo("disk full\n");
    assertThat(kubelet.logs(NS, pod.getMetadata().getName()).lines()).hasSize(3);
  }

  @Test
  void aNeverRestartedFailingContainerGetsANewPodUntilTheLimitWithItsLogsAsMessage()
      throws Exception {
    create(
        job(
            "crashing",
            "echo \"something broke in $HOSTNAME\"; sleep 30",
            "Never",
            1,
            spec ->
                spec.editFirstContainer()
                    .withTerminationMessagePolicy("FallbackToLogsOnError")
                    .endContainer()));

    for (int run = 1; run <= 2; run++) {
      Pod pod = await("a running pod of crashing, run " + run, () -> runningPodOf("crashing"));
      await(
          "the output of " + pod.getMetadata().getName(),
          () ->
              Optional.of(kubelet.logs(NS, pod.getMetadata().getName()))
                  .filter(l -> l.contains("broke")));
      List<ProcessHandle> started =
          kubelet.process(NS, pod.getMetadata().getName()).descendants().toList();
      assertThat(started).as("the sleep the script started").isNotEmpty();
      kubelet.kill(NS, pod.getMetadata().getName());
      Pod failed =
          await(
              pod.getMetadata().getName() + " failed",
              () -> current(pod).filter(p -> "Failed".equals(p.getStatus().getPhase())));
      await(
          "the end of what the container started",
          () -> Optional.of(started).filter(s -> s.stream().noneMatch(ProcessHandle::isAlive)));
      assertThat(failed.getStatus().getContainerStatuses().get(0).getState().getTerminated())
          .satisfies(
              t -> {
                assertThat(t.getExitCode()).isEqualTo(137);
                assertThat(t.getMessage())
                    .isEqualTo("something broke in " + pod.getMetadata().getName() + "\n");
              });
    }

    Job job = awaitJobCondition("crashing", "Failed");
    assertThat(job.getStatus().getFailed()).isEqualTo(2);
    assertThat(podsOf("crashing")).hasSize(2);
  }

  @Test
  void deletingARunningJobSendsSigtermAndWaitsForThePodToEnd() throws Exception {
    Path signals = Files.createDirectories(dir.resolve("signals"));
    String script =
        String.join(
            "\n",
            "trap 'echo TERM > \"$OUT/term\"; sleep 0.5; echo done > \"$OUT/cleaned\"; exit 0' TERM",
            "echo started > \"$OUT/started\"",
            "echo work > /work/file",
            "while true; do sleep 0.1; done");
    create(
        job(
            "long",
            script,
            "Never",
            0,
            spec ->
                spec.withTerminationGracePeriodSeconds(5L)
                    .editFirstContainer()
                    .addNewEnv()
                    .withName("OUT")
                    .withValue(signals.toString())
                    .endEnv()
                    .addNewVolumeMount()
                    .withName("work")
                    .withMountPath("/work")
                    .endVolumeMount()
                    .endContainer()
                    .addNewVolume()
                    .withName("work")
                    .withNewEphemeral()
                    .withNewVolumeClaimTemplate()
                    .withNewSpec()
                    .withAccessModes("ReadWriteOnce")
                    .withNewResources()
                    .withRequests(Map.of("storage", new Quantity("1Gi")))
                    .endResources()
                    .endSpec()
                    .endVolumeClaimTemplate()
                    .endEphemeral()
                    .endVolume()));
    Pod pod = await("a running pod of long", () -> runningPodOf("long"));
    String name = pod.getMetadata().getName();
    await(
        "the script started", () -> Optional.of(signals.resolve("started")).filter(Files::exists));
    assertThat(client.persistentVolumeClaims().inNamespace(NS).withName(name + "-work").get())
        .isNotNull()
        .satisfies(
            claim ->
                assertThat(claim.getMetadata().getOwnerReferences().get(0).getUid())
                    .isEqualTo(pod.getMetadata().getUid()));
    ProcessHandle process = kubelet.process(NS, name);

    client.batch().v1().jobs().inNamespace(NS).withName("long").delete();

    await(
        "pod " + name + " gone",
        () ->
            Optional.of(name).filter(n -> client.pods().inNamespace(NS).withName(n).get() == null));
    assertThat(signals.resolve("term")).as("the SIGTERM the script trapped").exists();
    assertThat(signals.resolve("cleaned")).as("what the script did after SIGTERM").exists();
    assertThat(process.isAlive()).isFalse();
    await(
        "no PVC left",
        () ->
            Optional.of(NS)
                .filter(
                    ns ->
                        client
                            .persistentVolumeClaims()
                            .inNamespace(ns)
                            .list()
                            .getItems()
                            .isEmpty()));
    assertThat(kubelet.pods()).isEmpty();
  }

  @Test
  void podsOfThreeJobsSpreadOverThreeNodesAndAffinityChoosesTheNode() throws Exception {
    Path go = dir.resolve("go");
    for (String name : List.of("a", "b", "c")) {
      create(
          job(
              name,
              "while [ ! -e \"$GO\" ]; do sleep 0.1; done",
              "Never",
              0,
              spec ->
                  spec.editFirstContainer()
                      .addNewEnv()
                      .withName("GO")
                      .withValue(go.toString())
                      .endEnv()
                      .endContainer()));
    }
    List<Pod> running = new ArrayList<>();
    for (String name : List.of("a", "b", "c")) {
      running.add(await("a running pod of " + name, () -> runningPodOf(name)));
    }

    assertThat(running.stream().map(p -> p.getSpec().getNodeName()))
        .containsExactlyInAnyOrder("n1", "n2", "n3");
    assertThat(running.stream().map(p -> p.getStatus().getPodIP()).distinct()).hasSize(3);
    assertThat(kubelet.maxConcurrentRunning()).isEqualTo(3);
    Files.writeString(go, "");
    for (String name : List.of("a", "b", "c")) {
      awaitJobCondition(name, "Complete");
    }

    create(
        job(
            "pinned",
            "true",
            "Never",
            0,
            spec ->
                spec.withNewAffinity()
                    .withNewNodeAffinity()
                    .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                    .addNewNodeSelectorTerm()
                    .addNewMatchExpression()
                    .withKey("disk")
                    .withOperator("In")
                    .withValues("ssd")
                    .endMatchExpression()
                    .addNewMatchExpression()
                    .withKey("kubernetes.io/hostname")
                    .withOperator("NotIn")
                    .withValues("n1")
                    .endMatchExpression()
                    .endNodeSelectorTerm()
                    .endRequiredDuringSchedulingIgnoredDuringExecution()
                    .endNodeAffinity()
                    .endAffinity()));
    awaitJobCondition("pinned", "Complete");
    assertThat(onlyPodOf("pinned").getSpec().getNodeName()).isEqualTo("n2");

    create(
        job(
            "tolerant",
            "true",
            "Never",
            0,
            spec ->
                spec.addNewToleration()
                    .withKey("dedicated")
                    .withOperator("Equal")
                    .withValue("import")
                    .withEffect("NoSchedule")
                    .endToleration()
                    .withNodeSelector(Map.of("kubernetes.io/hostname", "n4"))));
    awaitJobCondition("tolerant", "Complete");
    assertThat(kubelet.podsPerNode()).isEqualTo(Map.of("n1", 1, "n2", 2, "n3", 1, "n4", 1));
  }

  @Test
  void aPodFittingNoNodeStaysPendingAsUnschedulable() throws Exception {
    create(
        job("nowhere", "true", "Never", 0, spec -> spec.withNodeSelector(Map.of("disk", "nvme"))));

    Pod pod =
        await(
            "an unschedulable pod of nowhere",
            () ->
                podsOf("nowhere").stream()
                    .filter(p -> p.getStatus() != null && p.getStatus().getConditions() != null)
                    .findFirst());

    assertThat(pod.getStatus().getPhase()).isEqualTo("Pending");
    PodCondition scheduled = pod.getStatus().getConditions().get(0);
    assertThat(scheduled.getType()).isEqualTo("PodScheduled");
    assertThat(scheduled.getStatus()).isEqualTo("False");
    assertThat(scheduled.getReason()).isEqualTo("Unschedulable");
    assertThat(scheduled.getMessage())
        .isEqualTo(
            "0/4 nodes are available: 4 node(s) didn't match Pod's node selector {disk=nvme}.");
    assertThat(pod.getSpec().getNodeName()).isNull();
    assertThat(kubelet.podsPerNode().values()).containsOnly(0);
  }

  @Test
  void aNodeSelectorOnATaintedNodeNeedsAToleration() throws Exception {
    create(
        job(
            "intolerant",
            "true",
            "Never",
            0,
            spec -> spec.withNodeSelector(Map.of("kubernetes.io/hostname", "n4"))));

    Pod pod =
        await(
            "an unschedulable pod of intolerant",
            () -> podsOf("intolerant").stream().filter(p -> p.getStatus() != null).findFirst());

    assertThat(pod.getStatus().getConditions().get(0).getMessage())
        .isEqualTo(
            "0/4 nodes are available: 3 node(s) didn't match Pod's node selector"
                + " {kubernetes.io/hostname=n4}, 1 node(s) had untolerated taint {dedicated: import}.");
  }

  @Test
  void anUnknownNodeAffinityOperatorFailsTheKubeletLoudly() throws Exception {
    create(
        job(
            "greater",
            "true",
            "Never",
            0,
            spec ->
                spec.withNewAffinity()
                    .withNewNodeAffinity()
                    .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                    .addNewNodeSelectorTerm()
                    .addNewMatchExpression()
                    .withKey("cores")
                    .withOperator("Gt")
                    .withValues("4")
                    .endMatchExpression()
                    .endNodeSelectorTerm()
                    .endRequiredDuringSchedulingIgnoredDuringExecution()
                    .endNodeAffinity()
                    .endAffinity()));

    String error =
        "node affinity operator 'Gt' (key cores): the test kubelet knows In, NotIn, Exists and"
            + " DoesNotExist";
    assertThatThrownBy(() -> awaitJobCondition("greater", "Complete"))
        .as("what a test waiting for the Job sees")
        .hasMessageContaining(error);
    assertThat(onlyPodOf("greater").getStatus().getConditions().get(0).getMessage())
        .isEqualTo("the test kubelet cannot schedule this pod: " + error);
    assertThatThrownBy(kubelet::close).hasMessageContaining(error);
  }

  @Test
  void aMissingSecretHoldsTheContainerBackUntilItExists() throws Exception {
    create(
        job(
            "patient",
            "echo \"password=$PASSWORD files=$(ls /etc/late)\"",
            "Never",
            0,
            spec ->
                spec.editFirstContainer()
                    .addNewEnv()
                    .withName("PASSWORD")
                    .withNewValueFrom()
                    .withNewSecretKeyRef("password", "late", false)
                    .endValueFrom()
                    .endEnv()
                    .addNewVolumeMount()
                    .withName("files")
                    .withMountPath("/etc/late")
                    .endVolumeMount()
                    .endContainer()
                    .addNewVolume()
                    .withName("files")
                    .withNewSecret()
                    .withSecretName("late")
                    .endSecret()
                    .endVolume()));

    awaitWaiting(
        "patient",
        "ContainerCreating",
        "MountVolume.SetUp failed for volume \"files\" : secret \"late\" not found");
    Secret secret =
        client
            .secrets()
            .inNamespace(NS)
            .resource(
                new SecretBuilder()
                    .withNewMetadata()
                    .withName("late")
                    .endMetadata()
                    .withData(Map.of("user", base64("admin")))
                    .build())
            .create();
    awaitWaiting(
        "patient",
        "CreateContainerConfigError",
        "couldn't find key password in Secret default/late");
    secret.getData().put("password", base64("s3cret"));
    client.secrets().inNamespace(NS).resource(secret).update();

    awaitJobCondition("patient", "Complete");
    assertThat(kubelet.logs(NS, onlyPodOf("patient").getMetadata().getName()))
        .isEqualTo("password=s3cret files=password\nuser\n");
  }

  @Test
  void anEmptyDirBeyondItsSizeLimitEvictsThePod() throws Exception {
    create(
        job(
            "hoarder",
            "head -c 2097152 /dev/zero > /data/big; while true; do sleep 0.1; done",
            "Never",
            0,
            spec ->
                spec.editFirstContainer()
                    .addNewVolumeMount()
                    .withName("data")
                    .withMountPath("/data")
                    .endVolumeMount()
                    .endContainer()
                    .addNewVolume()
                    .withName("data")
                    .withNewEmptyDir()
                    .withSizeLimit(new Quantity("1Mi"))
                    .endEmptyDir()
                    .endVolume()));

    Job job = awaitJobCondition("hoarder", "Failed");

    assertThat(condition(job, "Failed").getReason()).isEqualTo("BackoffLimitExceeded");
    Pod pod = onlyPodOf("hoarder");
    assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
    assertThat(pod.getStatus().getReason()).isEqualTo("Evicted");
    assertThat(pod.getStatus().getMessage())
        .isEqualTo("Usage of EmptyDir volume \"data\" exceeds the limit \"1Mi\". ");
  }

  @Test
  void aJobPastItsActiveDeadlineFailsAndItsProcessIsStopped() throws Exception {
    create(
        job(
            "slow",
            "while true; do sleep 0.1; done",
            "Never",
            6,
            spec -> spec.withTerminationGracePeriodSeconds(1L)));
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withName("slow")
        .edit(
            j -> {
              j.getSpec().setActiveDeadlineSeconds(1L);
              return j;
            });
    Pod running = await("a running pod of slow", () -> runningPodOf("slow"));

    Job job = awaitJobCondition("slow", "Failed");

    assertThat(condition(job, "Failed").getReason()).isEqualTo("DeadlineExceeded");
    Pod pod =
        await(
            "the pod of slow failed",
            () -> current(running).filter(p -> "Failed".equals(p.getStatus().getPhase())));
    assertThat(pod.getStatus().getReason()).isEqualTo("DeadlineExceeded");
    assertThat(kubelet.process(NS, pod.getMetadata().getName()).isAlive()).isFalse();
  }

  @Test
  void javaIsTheTestsJava() throws Exception {
    Job job =
        job(
            "jvm",
            "unused",
            "Never",
            0,
            spec ->
                spec.editFirstContainer()
                    .withCommand("java", "-XshowSettings:properties", "-version")
                    .endContainer());
    create(job);

    awaitJobCondition("jvm", "Complete");

    assertThat(kubelet.logs(NS, onlyPodOf("jvm").getMetadata().getName()))
        .contains("java.home = " + System.getProperty("java.home"));
  }

  private void awaitWaiting(String job, String reason, String message) throws Exception {
    await(
        "pod of " + job + " waiting: " + reason,
        () ->
            podsOf(job).stream()
                .filter(
                    p ->
                        p.getStatus() != null
                            && p.getStatus().getContainerStatuses() != null
                            && !p.getStatus().getContainerStatuses().isEmpty())
                .map(p -> p.getStatus().getContainerStatuses().get(0).getState().getWaiting())
                .filter(
                    w ->
                        w != null && reason.equals(w.getReason()) && message.equals(w.getMessage()))
                .findFirst());
  }

  // ---- helpers

  private static Job job(
      String name,
      String script,
      String restartPolicy,
      int backoffLimit,
      Consumer<PodSpecBuilder> spec) {
    PodSpecBuilder pod =
        new PodSpecBuilder()
            .withRestartPolicy(restartPolicy)
            .addNewContainer()
            .withName("worker")
            .withImage("registry.example/worker:1")
            .withCommand("sh", "-c", script)
            .endContainer();
    spec.accept(pod);
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(backoffLimit)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(Map.of("app", "worker"))
        .endMetadata()
        .withSpec(pod.build())
        .endTemplate()
        .endSpec()
        .build();
  }

  private void create(Job job) {
    client.batch().v1().jobs().inNamespace(NS).resource(job).create();
  }

  private List<Pod> podsOf(String job) {
    return client.pods().inNamespace(NS).withLabel("job-name", job).list().getItems();
  }

  private Pod onlyPodOf(String job) {
    List<Pod> pods = podsOf(job);
    assertThat(pods).as("pods of Job %s", job).hasSize(1);
    return pods.get(0);
  }

  private Optional<Pod> runningPodOf(String job) {
    return podsOf(job).stream()
        .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
        .filter(p -> p.getStatus().getContainerStatuses().get(0).getState().getRunning() != null)
        .findFirst();
  }

  private Optional<Pod> current(Pod pod) {
    return Optional.ofNullable(
        client.pods().inNamespace(NS).withName(pod.getMetadata().getName()).get());
  }

  private Job awaitJobCondition(String name, String type) throws Exception {
    return await(
        "Job " + name + " " + type,
        () ->
            Optional.ofNullable(client.batch().v1().jobs().inNamespace(NS).withName(name).get())
                .filter(
                    j ->
                        j.getStatus() != null
                            && j.getStatus().getConditions().stream()
                                .anyMatch(
                                    c ->
                                        type.equals(c.getType()) && "True".equals(c.getStatus()))));
  }

  private static JobCondition condition(Job job, String type) {
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }

  /** Polls until {@code probe} answers, the kubelet healthy; else fails with the pods and logs. */
  private <T> T await(String what, Supplier<Optional<T>> probe) throws Exception {
    Instant deadline = Instant.now().plus(DEADLINE);
    while (Instant.now().isBefore(deadline)) {
      kubelet.assertHealthy();
      Optional<T> result = probe.get();
      if (result.isPresent()) {
        return result.get();
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    StringBuilder state = new StringBuilder();
    for (Pod pod : client.pods().inAnyNamespace().list().getItems()) {
      state.append("\n").append(TestCluster.describe(pod));
      state
          .append("\nlog: ")
          .append(kubelet.logs(pod.getMetadata().getNamespace(), pod.getMetadata().getName()));
    }
    state
        .append("\njobs: ")
        .append(
            TestCluster.describe(client.batch().v1().jobs().inAnyNamespace().list().getItems()));
    throw new AssertionError("no " + what + " within " + DEADLINE + state);
  }

  private static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }
}
