package io.vmimport.operator;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The Job controller, scheduler and kubelet of a cluster that fabric8's mock API server lacks: it
 * runs each Job's pod template as a local process, as Kubernetes would run its container, and
 * reports what happens through the API (pod and Job statuses, pods, PVCs of ephemeral volumes).
 *
 * <p>One pod per Job at a time (completions and parallelism 1). Pods carry the Job controller's
 * finalizer {@code batch.kubernetes.io/job-tracking} while they run, so that deleting one leaves it
 * Terminating until its process has exited after SIGTERM and the grace period, as on a real node. A
 * process gets an empty environment but PATH, JAVA_HOME and HOSTNAME, then the pod's env: no way to
 * this API server (the operator's workers mount no token and call nothing in the cluster, and a
 * worker that tried would fail here as it would there). A failure of the kubelet itself (a pod spec
 * it cannot run) is reported by {@link #assertHealthy()} and {@link #close()}.
 */
final class TestKubelet implements AutoCloseable {

  /** A node with labels (plus {@code kubernetes.io/hostname=name}) and optional taints. */
  record Node(String name, Map<String, String> labels, List<Taint> taints) {
    Node {
      requireNonNull(name, "name is null");
      Map<String, String> all = new HashMap<>(requireNonNull(labels, "labels is null"));
      all.put("kubernetes.io/hostname", name);
      labels = Map.copyOf(all);
      taints = List.copyOf(taints);
    }

    Node(String name, Map<String, String> labels) {
      this(name, labels, List.of());
    }
  }

  static final String JOB_TRACKING = "batch.kubernetes.io/job-tracking";
  private static final long RESYNC_MILLIS = 200;
  private static final String SUFFIX_CHARS = "bcdfghjklmnpqrstvwxz2456789";

  private final KubernetesClient client;
  private final Map<String, String> imagePaths = new HashMap<>();
  private final TestScheduler scheduler;
  private final Path workDir;
  private final Map<String, String> clusterEnv;
  private final ScheduledExecutorService loop;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, KubeletJob> jobs = new ConcurrentHashMap<>();
  private final Map<String, KubeletPod> pods = new ConcurrentHashMap<>();
  private final Map<String, Process> lastProcess = new ConcurrentHashMap<>();
  private final Set<String> createdPods = ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> scheduled = new ConcurrentHashMap<>();
  private final Set<Integer> addresses = ConcurrentHashMap.newKeySet();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger maxRunning = new AtomicInteger();
  private final List<Throwable> errors = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  private Instant lastSizeCheck = Instant.EPOCH;

  /**
   * A kubelet running the Jobs of {@code client}'s API server on {@code nodes}, starting at once.
   *
   * @param imagePaths local places of paths in the container image, by prefix: a command, argument,
   *     env value or working directory starting with a prefix (or a volume's mountPath, or the
   *     terminationMessagePath) starts with its local place instead, the longest prefix winning;
   *     prefixes are matched at the start of a string and after any character that cannot be part
   *     of a file name, so that {@code sh -c} scripts and {@code --opt=/path} are rewritten too
   * @param workDir where pods get their directories and log files {@code <namespace>_<pod>.log}
   */
  TestKubelet(
      KubernetesClient client, Map<String, Path> imagePaths, List<Node> nodes, Path workDir) {
    this.client = requireNonNull(client, "client is null");
    imagePaths.forEach((image, local) -> this.imagePaths.put(image, local.toString()));
    this.scheduler = new TestScheduler(nodes);
    this.workDir = requireNonNull(workDir, "workDir is null");
    this.clusterEnv = Map.of();
    nodes.forEach(node -> scheduled.put(node.name(), 0));
    loop =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "test-kubelet");
              thread.setDaemon(true);
              return thread;
            });
    loop.scheduleWithFixedDelay(this::resync, 0, RESYNC_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** The pods this kubelet created that the API server still holds. */
  List<Pod> pods() {
    return client.pods().inAnyNamespace().list().getItems().stream()
        .filter(p -> createdPods.contains(p.getMetadata().getUid()))
        .toList();
  }

  /** How many pods were ever scheduled on each node, every node listed. */
  Map<String, Integer> podsPerNode() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    scheduler.nodes().forEach(node -> counts.put(node.name(), scheduled.get(node.name())));
    return counts;
  }

  /** The most containers that ran at once. */
  int maxConcurrentRunning() {
    return maxRunning.get();
  }

  /** The latest process of the pod, alive or not, even after the pod is gone. */
  ProcessHandle process(String namespace, String pod) {
    Process process = lastProcess.get(namespace + "/" + pod);
    if (process == null) {
      throw new IllegalStateException("pod " + namespace + "/" + pod + " never ran a process");
    }
    return process.toHandle();
  }

  /** SIGKILL to the pod's process, as a crash: the usual failure handling follows. */
  void kill(String namespace, String pod) {
    KubeletPod run = pods.get(namespace + "/" + pod);
    Process process = run == null ? null : run.process;
    if (process == null || !process.isAlive()) {
      throw new IllegalStateException("pod " + namespace + "/" + pod + " runs no process");
    }
    process.destroyForcibly();
  }

  /** What the pod's container wrote to stdout and stderr, over all its restarts. */
  String logs(String namespace, String pod) {
    Path log = workDir.resolve(namespace + "_" + pod + ".log");
    try {
      return Files.exists(log)
          ? Files.readString(log)
          : "(pod " + namespace + "/" + pod + " has no log)";
    } catch (IOException e) {
      return "(log of " + namespace + "/" + pod + " unreadable: " + e + ")";
    }
  }

  /** Fails with what went wrong inside this kubelet (a spec it cannot run, an API failure). */
  void assertHealthy() {
    if (!errors.isEmpty()) {
      AssertionError failure =
          new AssertionError(
              "the test kubelet failed: "
                  + errors.stream().map(Throwable::getMessage).distinct().toList(),
              errors.get(0));
      errors.stream().skip(1).forEach(failure::addSuppressed);
      throw failure;
    }
  }

  /**
   * Stops every process (SIGTERM, SIGKILL after 5 s) and waits for them; then {@link
   * #assertHealthy()}.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    loop.shutdownNow();
    try {
      loop.awaitTermination(10, TimeUnit.SECONDS);
      List<KubeletPod> runs = List.copyOf(pods.values());
      runs.stream()
          .map(r -> r.process)
          .filter(p -> p != null && p.isAlive())
          .forEach(Process::destroy);
      Instant deadline = Instant.now().plusSeconds(5);
      for (KubeletPod run : runs) {
        if (run.process != null
            && !run.process.waitFor(
                Math.max(0, Instant.now().until(deadline, ChronoUnit.MILLIS)),
                TimeUnit.MILLISECONDS)) {
          run.process.destroyForcibly().waitFor();
        }
        killLeftovers(run.process);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping the test kubelet's processes", e);
    }
    assertHealthy();
  }

  private void resync() {
    try {
      Map<String, Pod> podsByUid = new HashMap<>();
      client
          .pods()
          .inAnyNamespace()
          .list()
          .getItems()
          .forEach(p -> podsByUid.put(p.getMetadata().getUid(), p));
      for (KubeletPod run : List.copyOf(pods.values())) {
        Pod current = podsByUid.get(run.pod.getMetadata().getUid());
        if (current == null || current.getMetadata().getDeletionTimestamp() != null) {
          delete(run, Optional.ofNullable(current));
        } else if (run.needsStart) {
          start(run);
        }
      }
      if (lastSizeCheck.plusSeconds(1).isBefore(Instant.now())) {
        lastSizeCheck = Instant.now();
        evictWhereEmptyDirsExceedTheirLimit();
      }
      Map<String, Job> jobsByUid = new HashMap<>();
      client
          .batch()
          .v1()
          .jobs()
          .inAnyNamespace()
          .list()
          .getItems()
          .forEach(j -> jobsByUid.put(j.getMetadata().getUid(), j));
      for (KubeletJob job : List.copyOf(jobs.values())) {
        Job current = jobsByUid.get(job.uid);
        if (current == null || current.getMetadata().getDeletionTimestamp() != null) {
          deleteJob(job, current == null);
        } else {
          job.job = current;
        }
      }
      for (Job job : jobsByUid.values()) {
        if (job.getMetadata().getDeletionTimestamp() == null) {
          reconcile(jobs.computeIfAbsent(job.getMetadata().getUid(), uid -> firstSight(job)));
        }
      }
    } catch (Throwable e) {
      if (!closed && errors.size() < 20) {
        errors.add(e);
      }
    }
  }

  private KubeletJob firstSight(Job job) {
    KubeletJob run = new KubeletJob(job);
    if (job.getStatus() != null && job.getStatus().getConditions() != null) {
      run.finished =
          job.getStatus().getConditions().stream()
              .filter(c -> Set.of("Complete", "Failed").contains(c.getType()))
              .filter(c -> "True".equals(c.getStatus()))
              .findFirst();
    }
    Integer completions = job.getSpec().getCompletions();
    Integer parallelism = job.getSpec().getParallelism();
    if (completions != null && completions != 1 || parallelism != null && parallelism != 1) {
      errors.add(
          new PodSpecNotSimulated(
              "Job "
                  + run.namespace
                  + "/"
                  + run.name
                  + ": the test kubelet runs Jobs of one pod"
                  + " (completions and parallelism 1)"));
      run.unsupported = true;
    }
    return run;
  }

  private void reconcile(KubeletJob job) {
    if (job.finished.isPresent() || job.unsupported) {
      return;
    }
    Long deadline = job.job.getSpec().getActiveDeadlineSeconds();
    if (deadline != null && job.startTime.plusSeconds(deadline).isBefore(Instant.now())) {
      failJob(job, "DeadlineExceeded", "Job was active longer than specified deadline");
    } else if (pods.values().stream().noneMatch(p -> p.job == job && p.active())) {
      createPod(job);
    }
    publish(job);
  }

  private void createPod(KubeletJob job) {
    var template = job.job.getSpec().getTemplate();
    String name = job.name + "-" + suffix();
    Map<String, String> labels = new LinkedHashMap<>();
    Optional.ofNullable(template.getMetadata()).map(m -> m.getLabels()).ifPresent(labels::putAll);
    labels.put("job-name", job.name);
    labels.put("batch.kubernetes.io/job-name", job.name);
    labels.put("controller-uid", job.uid);
    labels.put("batch.kubernetes.io/controller-uid", job.uid);
    PodSpec spec = new PodSpecBuilder(template.getSpec()).build();
    Optional<String> unschedulable = Optional.empty();
    Optional<PodSpecNotSimulated> notSimulated = Optional.empty();
    try {
      spec.setNodeName(
          scheduler
              .schedule(
                  spec,
                  node ->
                      (int)
                          pods.values().stream()
                              .filter(p -> p.active())
                              .filter(p -> node.name().equals(p.pod.getSpec().getNodeName()))
                              .count())
              .name());
    } catch (TestScheduler.Unschedulable e) {
      unschedulable = Optional.of(e.getMessage());
    } catch (PodSpecNotSimulated e) {
      notSimulated = Optional.of(e);
      unschedulable = Optional.of("the test kubelet cannot schedule this pod: " + e.getMessage());
    }
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(job.namespace)
            .withLabels(labels)
            .withAnnotations(
                Optional.ofNullable(template.getMetadata())
                    .map(m -> m.getAnnotations())
                    .orElse(null))
            .withFinalizers(JOB_TRACKING)
            .withOwnerReferences(owner("batch/v1", "Job", job.name, job.uid))
            .endMetadata()
            .withSpec(spec)
            .build();
    pod = client.pods().inNamespace(job.namespace).resource(pod).create();
    createdPods.add(pod.getMetadata().getUid());
    KubeletPod run = new KubeletPod(job, pod, unschedulable);
    pods.put(run.key(), run);
    if (unschedulable.isEmpty()) {
      scheduled.merge(spec.getNodeName(), 1, Integer::sum);
      start(run);
    } else {
      publish(run);
    }
    // Reported only once the pod shows why: a test that stops at the error sees the pod too.
    notSimulated.ifPresent(errors::add);
  }

  private void start(KubeletPod run) {
    run.needsStart = false;
    if (run.deleting || run.stopReason != null || closed) {
      return;
    }
    try {
      if (run.pod.getSpec().getContainers().size() != 1
          || run.pod.getSpec().getInitContainers() != null
              && !run.pod.getSpec().getInitContainers().isEmpty()) {
        throw new PodSpecNotSimulated("the test kubelet runs pods of one container alone");
      }
      if (run.sandbox == null) {
        run.sandbox = sandbox(run.pod);
      }
      ProcessBuilder builder = run.sandbox.prepare();
      run.logOffset = run.sandbox.logSize();
      Process process = builder.start();
      run.process = process;
      lastProcess.put(run.key(), process);
      maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
      run.startedAt = Instant.now();
      run.phase = "Running";
      run.state =
          new ContainerStateBuilder()
              .withNewRunning()
              .withStartedAt(KubeletPod.time(run.startedAt))
              .endRunning()
              .build();
      run.ready = true;
      run.readyChanged = run.startedAt;
      process.onExit().thenRun(() -> onLoop(() -> exited(run, process)));
      publish(run);
      publish(run.job);
    } catch (PodSandbox.Waiting waiting) {
      run.needsStart = true; // again at the next resync, as the kubelet retries
      run.state = KubeletPod.waiting(waiting.reason, waiting.getMessage());
      publish(run);
    } catch (IOException | RuntimeException e) {
      run.state = KubeletPod.waiting("CreateContainerError", e.getMessage());
      publish(run);
      errors.add(
          new IllegalStateException("pod " + run.key() + " cannot start: " + e.getMessage(), e));
    }
  }

  /** The pod's own address, directory and PVCs, when its first container starts. */
  private PodSandbox sandbox(Pod pod) {
    int address = 10;
    while (!addresses.add(address)) {
      address++;
    }
    PodSandbox sandbox;
    try {
      if (address > 254) {
        throw new IllegalStateException(
            "no loopback address left for pod " + pod.getMetadata().getName());
      }
      sandbox = new PodSandbox(client, pod, "127.0.0." + address, workDir, imagePaths, clusterEnv);
    } catch (RuntimeException e) {
      addresses.remove(address);
      throw e;
    }
    for (Volume volume : Optional.ofNullable(pod.getSpec().getVolumes()).orElse(List.of())) {
      if (volume.getEphemeral() != null) {
        var template = volume.getEphemeral().getVolumeClaimTemplate();
        client
            .persistentVolumeClaims()
            .inNamespace(pod.getMetadata().getNamespace())
            .resource(
                new PersistentVolumeClaimBuilder()
                    .withNewMetadata()
                    .withName(pod.getMetadata().getName() + "-" + volume.getName())
                    .withNamespace(pod.getMetadata().getNamespace())
                    .withLabels(
                        template.getMetadata() == null ? null : template.getMetadata().getLabels())
                    .withOwnerReferences(
                        owner("v1", "Pod", pod.getMetadata().getName(), pod.getMetadata().getUid()))
                    .endMetadata()
                    .withSpec(template.getSpec())
                    .withNewStatus()
                    .withPhase("Bound")
                    .endStatus()
                    .build())
            .create();
      }
    }
    return sandbox;
  }

  private void exited(KubeletPod run, Process process) {
    running.decrementAndGet();
    killLeftovers(run.process);
    if (run.deleting) {
      finishDeletion(run);
      return;
    }
    int code = process.exitValue();
    String message;
    try {
      message = run.sandbox.terminationMessage(run.logOffset, code);
    } catch (IOException e) {
      message = "the test kubelet could not read the termination message: " + e;
    }
    ContainerState terminated =
        new ContainerStateBuilder()
            .withNewTerminated()
            .withExitCode(code)
            .withReason(code == 0 ? "Completed" : "Error")
            .withMessage(message.isEmpty() ? null : message)
            .withStartedAt(KubeletPod.time(run.startedAt))
            .withFinishedAt(KubeletPod.time(Instant.now()))
            .endTerminated()
            .build();
    run.ready = false;
    run.readyChanged = Instant.now();
    KubeletJob job = run.job;
    if (run.stopReason != null) {
      if (run.stopReason.equals("Evicted")) {
        job.failures++;
      }
      ended(run, "Failed", terminated);
      checkBackoffLimit(job);
    } else if (code == 0) {
      job.succeededPods++;
      job.completionTime = Optional.of(Instant.now());
      job.finished = Optional.of(KubeletJob.condition("Complete", null, null));
      ended(run, "Succeeded", terminated);
    } else {
      job.failures++;
      if (job.failures <= job.backoffLimit()
          && "OnFailure".equals(run.pod.getSpec().getRestartPolicy())) {
        long delay = Math.min(1000, 100L << Math.min(run.restartCount, 4));
        run.lastState = terminated;
        run.state =
            KubeletPod.waiting(
                "CrashLoopBackOff",
                "back-off "
                    + delay
                    + "ms restarting failed container="
                    + run.sandbox.container().getName()
                    + " pod="
                    + run.pod.getMetadata().getName());
        run.restartCount++;
        publish(run);
        loop.schedule(() -> start(run), delay, TimeUnit.MILLISECONDS);
      } else {
        ended(run, "Failed", terminated);
        checkBackoffLimit(job);
      }
    }
    publish(job);
  }

  /** A pod that will not run again: its status, then the Job controller lets go of it. */
  private void ended(KubeletPod run, String phase, ContainerState state) {
    run.phase = phase;
    run.state = state;
    run.reason = run.stopReason;
    run.message = run.stopMessage;
    if (phase.equals("Failed")) {
      run.job.failedPods++;
    }
    publish(run);
    write(Pod.class, run.pod, false, TestKubelet::releaseFinalizer);
  }

  private void checkBackoffLimit(KubeletJob job) {
    if (job.finished.isEmpty() && job.failures > job.backoffLimit()) {
      failJob(job, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
    }
  }

  /** The Job fails: its running pods are stopped (SIGTERM, grace period) and end Failed. */
  private void failJob(KubeletJob job, String reason, String message) {
    job.finished = Optional.of(KubeletJob.condition("Failed", reason, message));
    for (KubeletPod run : List.copyOf(pods.values())) {
      if (run.job == job && run.active()) {
        run.stopReason = reason;
        run.stopMessage = message;
        if (run.process != null && run.process.isAlive()) {
          stop(run, gracePeriod(run, Optional.empty()));
        } else {
          ended(run, "Failed", run.state);
        }
      }
    }
  }

  private void evictWhereEmptyDirsExceedTheirLimit() throws IOException {
    for (KubeletPod run : pods.values()) {
      if (run.process != null && run.process.isAlive() && run.stopReason == null) {
        Optional<String> exceeded = run.sandbox.exceededSizeLimit();
        if (exceeded.isPresent()) {
          run.stopReason = "Evicted";
          run.stopMessage = exceeded.get();
          stop(run, 0);
        }
      }
    }
  }

  /** The Job is gone (or going): its pods are deleted, as the garbage collector would. */
  private void deleteJob(KubeletJob job, boolean gone) {
    job.deleting = true;
    boolean podsLeft = false;
    for (KubeletPod run : pods.values()) {
      if (run.job == job) {
        podsLeft = true;
        if (!run.deleting) {
          client
              .pods()
              .inNamespace(job.namespace)
              .withName(run.pod.getMetadata().getName())
              .delete();
        }
      }
    }
    if (gone && !podsLeft) {
      jobs.remove(job.uid);
    }
  }

  /** The pod is deleted: SIGTERM, SIGKILL after the grace period, then its remains go. */
  private void delete(KubeletPod run, Optional<Pod> current) {
    if (run.deleting) {
      return;
    }
    boolean counts = run.active() && !run.job.deleting && run.job.finished.isEmpty();
    run.deleting = true;
    if (counts) {
      // a pod deleted before it ended counts as failed, and the Job replaces it
      run.job.failures++;
      run.job.failedPods++;
      checkBackoffLimit(run.job);
      publish(run.job);
    }
    if (run.process != null && run.process.isAlive()) {
      stop(run, gracePeriod(run, current));
    } else {
      finishDeletion(run);
    }
  }

  private static long gracePeriod(KubeletPod run, Optional<Pod> current) {
    return current
        .map(p -> p.getMetadata().getDeletionGracePeriodSeconds())
        .or(() -> Optional.ofNullable(run.pod.getSpec().getTerminationGracePeriodSeconds()))
        .orElse(30L);
  }

  private void stop(KubeletPod run, long graceSeconds) {
    Process process = run.process;
    if (graceSeconds == 0) {
      killLeftovers(process);
      process.destroyForcibly();
      return;
    }
    process.destroy();
    loop.schedule(
        () -> {
          if (process.isAlive()) {
            killLeftovers(process);
            process.destroyForcibly();
          }
        },
        graceSeconds,
        TimeUnit.SECONDS);
  }

  private void finishDeletion(KubeletPod run) {
    killLeftovers(run.process);
    String namespace = run.pod.getMetadata().getNamespace();
    try {
      if (run.sandbox != null) {
        for (Volume volume :
            Optional.ofNullable(run.pod.getSpec().getVolumes()).orElse(List.of())) {
          if (volume.getEphemeral() != null) {
            client
                .persistentVolumeClaims()
                .inNamespace(namespace)
                .withName(run.pod.getMetadata().getName() + "-" + volume.getName())
                .delete();
          }
        }
        run.sandbox.delete();
        addresses.remove(Integer.parseInt(run.sandbox.ip.substring("127.0.0.".length())));
      }
    } catch (IOException e) {
      errors.add(e);
    }
    pods.remove(run.key());
    // the last finalizer gone, the API server removes the Terminating pod
    write(Pod.class, run.pod, false, TestKubelet::releaseFinalizer);
    if (run.job.deleting && pods.values().stream().noneMatch(p -> p.job == run.job)) {
      jobs.remove(run.job.uid);
    }
  }

  private static void releaseFinalizer(Pod pod) {
    if (pod.getMetadata().getFinalizers() != null) {
      pod.getMetadata().getFinalizers().remove(JOB_TRACKING);
    }
  }

  /**
   * SIGKILL to the process group of a container's process (its own: see {@link
   * PodSandbox#prepare()}), so that what it started dies with it, as in a container.
   */
  private static void killLeftovers(Process process) {
    if (process == null) {
      return;
    }
    try {
      // exits 1 when the group is empty already
      new ProcessBuilder("kill", "-KILL", "--", "-" + process.pid())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void publish(KubeletPod run) {
    if (run.deleting) {
      return;
    }
    PodStatus status = run.status();
    if (!status.equals(run.published)) {
      write(Pod.class, run.pod, true, p -> p.setStatus(status));
      run.published = status;
    }
  }

  private void publish(KubeletJob job) {
    if (job.deleting) {
      return;
    }
    int active = (int) pods.values().stream().filter(p -> p.job == job && p.active()).count();
    int ready = (int) pods.values().stream().filter(p -> p.job == job && p.ready).count();
    JobStatus status = job.status(active, ready);
    if (!status.equals(job.published)) {
      write(Job.class, job.job, true, j -> j.setStatus(status));
      job.published = status;
    }
  }

  /**
   * Changes the latest version of {@code resource} (its status, or else the object), again on a
   * conflict; nothing when it is gone.
   */
  private <T extends HasMetadata> void write(
      Class<T> type, T resource, boolean status, Consumer<T> change) {
    for (int attempt = 1; ; attempt++) {
      T current =
          client
              .resources(type)
              .inNamespace(resource.getMetadata().getNamespace())
              .withName(resource.getMetadata().getName())
              .get();
      if (current == null
          || !current.getMetadata().getUid().equals(resource.getMetadata().getUid())) {
        return;
      }
      change.accept(current);
      try {
        if (status) {
          client.resource(current).updateStatus();
        } else {
          client.resource(current).update();
        }
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return;
        }
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  private void onLoop(Runnable task) {
    if (!closed) {
      loop.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              if (!closed) {
                errors.add(e);
              }
            }
          });
    }
  }

  private String suffix() {
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      suffix.append(SUFFIX_CHARS.charAt(random.nextInt(SUFFIX_CHARS.length())));
    }
    return suffix.toString();
  }

  private static OwnerReference owner(String apiVersion, String kind, String name, String uid) {
    return new OwnerReferenceBuilder()
        .withApiVersion(apiVersion)
        .withKind(kind)
        .withName(name)
        .withUid(requireNonNull(uid, () -> kind + " " + name + " has no uid"))
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }
}
