package io.vmimport.operator.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.target.TargetVm;
import io.vmimport.core.DiskWorkers;
import io.vmimport.core.WorkerReport;
import io.vmimport.operator.crd.VirtualMachineImport;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's disk workers ({@code diskWork: jobs}): a Kubernetes Job per import, in the
 * operator's namespace (where tenants have no rights, and the worker's ServiceAccount is), made
 * from {@link WorkerJobSpec}, with a Secret of its own holding what the worker reads ({@link
 * WorkerProtocol}). The operator polls the worker's status over HTTP with a token only the two
 * know; the worker calls nothing in the cluster.
 *
 * <p>Every object is found by the import's uid (label {@value #IMPORT_UID}, and the name holds it),
 * and a Job or Pod is taken as the import's only when its labels and owner say so: another import
 * of the same name cannot reach this one's worker.
 */
public final class JobDiskWorkers implements DiskWorkers {
  private static final Logger log = LoggerFactory.getLogger(JobDiskWorkers.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  // JSON only: the image has no YAML parser, which fabric8's Serialization may load
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How often a worker's Job and pod are read while the worker answers its polls. */
  private static final Duration API_CHECK_INTERVAL = Duration.ofSeconds(30);

  /** The label holding the uid of the import a worker object belongs to. */
  public static final String IMPORT_UID = "vmimport.io/import-uid";

  private final KubernetesClient client;
  private final WorkerJobSpec spec;
  private final SourceKinds kinds;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public JobDiskWorkers(KubernetesClient client, WorkerJobSpec spec, SourceKinds kinds) {
    this.client = requireNonNull(client, "client is null");
    this.spec = requireNonNull(spec, "spec is null");
    this.kinds = requireNonNull(kinds, "kinds is null");
  }

  /** The name of the import's Job and Secret: the uid makes it unique in the namespace. */
  static String name(ImportRef ref) {
    return "vmimport-worker-" + ref.uid();
  }

  private String namespace() {
    return spec.settings().namespace();
  }

  @Override
  public DiskWorker start(ImportRequest request, TargetVm vm) {
    return api("start the disk worker of " + request.ref(), () -> startWorker(request, vm));
  }

  @Override
  public void discard(ImportRef ref) {
    api(
        "remove the disk worker of " + ref,
        () -> {
          discardWorkers(ref);
          return null;
        });
  }

  /**
   * A call of the API server whose refusal is an import's error: retryable when it may pass by
   * itself (a conflict, throttling, a server error, a broken connection), else naming what failed.
   */
  private static <T> T api(String what, java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (KubernetesClientException e) {
      String reason =
          e.getStatus() != null && e.getStatus().getMessage() != null
              ? e.getStatus().getMessage()
              : e.getMessage();
      throw new VmImportException(
          ErrorCode.TARGET_FAILED, "cannot " + what + ": " + reason, e, ApiRetry.passes(e));
    }
  }

  private DiskWorker startWorker(ImportRequest request, TargetVm vm) {
    ImportRef ref = request.ref();
    String name = name(ref);
    Job job = client.batch().v1().jobs().inNamespace(namespace()).withName(name).get();
    VirtualMachineImport vmi = importOf(ref);
    if (job == null) {
      job = create(spec.job(ref, name, vm, vmi));
      log.info("{}: created disk worker Job {}/{}", ref, namespace(), name);
    }
    requireOurs(ref, job);
    if (client.secrets().inNamespace(namespace()).withName(name).get() == null) {
      // the pod waits for its Secret: made after the Job, to be owned by it (a process that
      // died in between left a Job whose worker never started, and a new key is as good)
      byte[] key = new byte[32];
      RANDOM.nextBytes(key);
      createSecret(ref, name, job, vmi, key);
    }
    return new JobWorker(ref, job);
  }

  private void discardWorkers(ImportRef ref) {
    String name = name(ref);
    Map<String, String> ours = Map.of(IMPORT_UID, ref.uid());
    for (Job job :
        client.batch().v1().jobs().inNamespace(namespace()).withLabels(ours).list().getItems()) {
      // foreground: Kubernetes removes the pods first, each after its process had SIGTERM and
      // time to release what its export made on the source
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(namespace())
          .resource(job)
          .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.FOREGROUND)
          .delete();
      log.info("{}: deleted disk worker Job {}/{}", ref, namespace(), name);
    }
    for (Secret secret :
        client.secrets().inNamespace(namespace()).withLabels(ours).list().getItems()) {
      client.secrets().inNamespace(namespace()).resource(secret).delete();
    }
    Instant end = Instant.now().plus(spec.settings().stopTimeout());
    while (true) {
      List<Pod> left = client.pods().inNamespace(namespace()).withLabels(ours).list().getItems();
      boolean jobsLeft =
          !client
              .batch()
              .v1()
              .jobs()
              .inNamespace(namespace())
              .withLabels(ours)
              .list()
              .getItems()
              .isEmpty();
      if (left.isEmpty() && !jobsLeft) {
        return;
      }
      if (Instant.now().isAfter(end)) {
        throw new VmImportException(
            ErrorCode.CLEANUP_FAILED,
            "the disk worker of "
                + ref
                + " did not stop within "
                + spec.settings().stopTimeout().toSeconds()
                + " s: "
                + (jobsLeft ? "Job " + namespace() + "/" + name + " and " : "")
                + left.size()
                + " pod(s) remain",
            null,
            true);
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new VmImportException(ErrorCode.CANCELLED, "waiting for the disk worker", e);
      }
    }
  }

  private Job create(Job job) {
    try {
      return client.batch().v1().jobs().inNamespace(namespace()).resource(job).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        // made by a concurrent call or an earlier run: the caller checks that it is ours
        return client
            .batch()
            .v1()
            .jobs()
            .inNamespace(namespace())
            .withName(job.getMetadata().getName())
            .get();
      }
      throw e;
    }
  }

  /** The worker's Secret, owned by its Job, so that it goes with the Job. */
  private void createSecret(
      ImportRef ref, String name, Job job, VirtualMachineImport vmi, byte[] key) {
    GenericKubernetesResource source = sourceOf(ref, vmi);
    String credentialsRef = SourceResolver.secretOf(source);
    Secret credentials = new Secret();
    if (credentialsRef != null) {
      String[] parts = credentialsRef.split("/", 2);
      Secret read = client.secrets().inNamespace(parts[0]).withName(parts[1]).get();
      if (read == null) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            "spec.credentials: Secret " + credentialsRef + " does not exist",
            null,
            true);
      }
      // only what the worker reads: name and data
      credentials =
          new SecretBuilder()
              .withNewMetadata()
              .withName(read.getMetadata().getName())
              .withNamespace(read.getMetadata().getNamespace())
              .endMetadata()
              .withData(read.getData())
              .withStringData(read.getStringData())
              .build();
    }
    Map<String, String> data = new LinkedHashMap<>();
    data.put(WorkerProtocol.IMPORT, json(vmi));
    data.put(WorkerProtocol.SOURCE, json(source));
    data.put(WorkerProtocol.CREDENTIALS, json(credentials));
    data.put(WorkerProtocol.SECRET, base64(Base64.getEncoder().encodeToString(key)));
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace())
            .withLabels(spec.labels(ref))
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("batch/v1")
                    .withKind("Job")
                    .withName(name)
                    .withUid(job.getMetadata().getUid())
                    .build())
            .endMetadata()
            .withType("Opaque")
            .withImmutable(true)
            .withData(data)
            .build();
    try {
      client.secrets().inNamespace(namespace()).resource(secret).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private VirtualMachineImport importOf(ImportRef ref) {
    VirtualMachineImport vmi =
        client
            .resources(VirtualMachineImport.class)
            .inNamespace(ref.namespace())
            .withName(ref.name())
            .get();
    if (vmi == null || !ref.uid().equals(vmi.getMetadata().getUid())) {
      throw new VmImportException(
          ErrorCode.CONFLICT,
          "VirtualMachineImport " + ref + " is gone or was replaced; its worker is not started",
          null,
          false);
    }
    // the worker needs the import's spec and annotations, not its status or managed fields
    VirtualMachineImport copy = JSON.convertValue(vmi, VirtualMachineImport.class);
    copy.setStatus(null);
    copy.getMetadata().setManagedFields(null);
    return copy;
  }

  private GenericKubernetesResource sourceOf(ImportRef ref, VirtualMachineImport vmi) {
    var cluster = vmi.getSpec().sourceCluster;
    SourceKind kind =
        kinds
            .find(cluster.getKind())
            .orElseThrow(
                () ->
                    new VmImportException(
                        ErrorCode.INVALID_SPEC,
                        "spec.sourceCluster.kind: " + kinds.notServed(cluster.getKind())));
    String namespace =
        cluster.getNamespace() == null || cluster.getNamespace().isEmpty()
            ? ref.namespace()
            : cluster.getNamespace();
    GenericKubernetesResource source =
        client
            .genericKubernetesResources(kind.context())
            .inNamespace(namespace)
            .withName(cluster.getName())
            .get();
    if (source == null) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          cluster.getKind() + " " + namespace + "/" + cluster.getName() + " does not exist",
          null,
          true);
    }
    source.getMetadata().setManagedFields(null);
    source.setAdditionalProperty("status", null);
    return source;
  }

  private static String json(Object object) {
    try {
      return Base64.getEncoder().encodeToString(JSON.writeValueAsBytes(object));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + object.getClass().getSimpleName(), e);
    }
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static void requireOurs(ImportRef ref, HasMetadata object) {
    Map<String, String> labels = object.getMetadata().getLabels();
    if (labels == null || !ref.uid().equals(labels.get(IMPORT_UID))) {
      throw new VmImportException(
          ErrorCode.CONFLICT,
          object.getKind()
              + " "
              + object.getMetadata().getNamespace()
              + "/"
              + object.getMetadata().getName()
              + " exists and was not made for import "
              + ref
              + "; delete it",
          null,
          false);
    }
  }

  /** One import's Job, polled through its pod. */
  private final class JobWorker implements DiskWorker {
    private final ImportRef ref;
    private final String jobUid;
    private byte[] key;
    private String podIp;
    private Instant checkedAt = Instant.MIN;

    JobWorker(ImportRef ref, Job job) {
      this.ref = ref;
      this.jobUid = job.getMetadata().getUid();
    }

    @Override
    public WorkerReport poll() {
      return api("read the disk worker of " + ref, this::pollWorker);
    }

    private WorkerReport pollWorker() {
      // the worker itself answers every poll; the API server is asked only every
      // API_CHECK_INTERVAL, or when the worker does not answer
      if (podIp != null && Instant.now().isBefore(checkedAt.plus(API_CHECK_INTERVAL))) {
        Optional<WorkerReport> report = status(podIp);
        if (report.isPresent()) {
          return report.get();
        }
      }
      checkedAt = Instant.now();
      podIp = null;
      String name = name(ref);
      Job job = client.batch().v1().jobs().inNamespace(namespace()).withName(name).get();
      if (job == null || !jobUid.equals(job.getMetadata().getUid())) {
        throw new VmImportException(
            ErrorCode.EXPORT_FAILED,
            "the disk worker's Job " + namespace() + "/" + name + " was deleted",
            null,
            false);
      }
      List<Pod> pods = pods(job);
      Optional<JobCondition> failed =
          Optional.ofNullable(job.getStatus())
              .map(s -> s.getConditions())
              .orElse(List.of())
              .stream()
              .filter(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()))
              .findFirst();
      if (failed.isPresent()) {
        return WorkerReport.failed(
            new VmImportException(
                ErrorCode.EXPORT_FAILED,
                "Job "
                    + namespace()
                    + "/"
                    + name
                    + " failed ("
                    + failed.get().getReason()
                    + ": "
                    + failed.get().getMessage()
                    + ")"
                    + lastTermination(pods).map(m -> "; the worker's last run: " + m).orElse(""),
                null,
                false));
      }
      Optional<Pod> running =
          pods.stream()
              .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
              .filter(p -> p.getStatus().getPodIP() != null && !p.getStatus().getPodIP().isEmpty())
              .max(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp()));
      if (running.isEmpty()) {
        return WorkerReport.starting();
      }
      podIp = running.get().getStatus().getPodIP();
      return status(podIp).orElse(WorkerReport.starting());
    }

    private List<Pod> pods(Job job) {
      return client
          .pods()
          .inNamespace(namespace())
          .withLabels(Map.of(IMPORT_UID, ref.uid()))
          .list()
          .getItems()
          .stream()
          .filter(
              p ->
                  p.getMetadata().getOwnerReferences().stream()
                      .anyMatch(o -> jobUid.equals(o.getUid())))
          .toList();
    }

    /** The worker's status; empty while it does not answer (starting, or restarting). */
    private Optional<WorkerReport> status(String podIp) {
      URI uri =
          URI.create(
              "http://"
                  + (podIp.contains(":") ? "[" + podIp + "]" : podIp)
                  + ":"
                  + spec.settings().port()
                  + "/"
                  + WorkerProtocol.statusToken(key())
                  + "/"
                  + WorkerProtocol.STATUS_NAME);
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build();
      try {
        HttpResponse<InputStream> response =
            http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
          if (response.statusCode() != 200) {
            log.debug("{}: the disk worker answers {}", ref, response.statusCode());
            return Optional.empty();
          }
          byte[] bytes = body.readNBytes(WorkerProtocol.MAX_STATUS_BYTES + 1);
          if (bytes.length > WorkerProtocol.MAX_STATUS_BYTES) {
            throw new VmImportException(
                ErrorCode.INTERNAL, "the disk worker's status is larger than 1 MiB");
          }
          return Optional.of(WorkerProtocol.read(bytes).report());
        }
      } catch (IOException e) {
        log.debug("{}: the disk worker does not answer yet: {}", ref, e.toString());
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new VmImportException(ErrorCode.CANCELLED, "import cancelled", e);
      }
    }

    /** The token key, from the worker's Secret (read once). */
    private byte[] key() {
      if (key == null) {
        Secret secret = client.secrets().inNamespace(namespace()).withName(name(ref)).get();
        if (secret == null || secret.getData() == null) {
          throw new VmImportException(
              ErrorCode.EXPORT_FAILED,
              "the disk worker's Secret " + namespace() + "/" + name(ref) + " is gone",
              null,
              true);
        }
        requireOurs(ref, secret);
        key =
            Base64.getDecoder()
                .decode(
                    new String(
                            Base64.getDecoder().decode(secret.getData().get(WorkerProtocol.SECRET)),
                            StandardCharsets.UTF_8)
                        .strip());
      }
      return key;
    }
  }

  /**
   * How the worker's process last ended: its exit code and reason, and what it said (its
   * termination message, or the end of its log).
   */
  private static Optional<String> lastTermination(List<Pod> pods) {
    return pods.stream()
        .filter(p -> p.getStatus() != null && p.getStatus().getContainerStatuses() != null)
        .flatMap(p -> p.getStatus().getContainerStatuses().stream())
        .flatMap(
            c ->
                java.util.stream.Stream.of(
                    c.getState() == null ? null : c.getState().getTerminated(),
                    c.getLastState() == null ? null : c.getLastState().getTerminated()))
        .filter(t -> t != null)
        .map(
            t ->
                "exit code "
                    + t.getExitCode()
                    + (t.getReason() == null ? "" : " (" + t.getReason() + ")")
                    + (t.getMessage() == null || t.getMessage().isBlank()
                        ? ""
                        : ": " + lastLines(t.getMessage())))
        .findFirst();
  }

  /**
   * The end of a termination message (the worker's own, or the end of its log): its last lines, at
   * most 800 characters, for a status message.
   */
  static String lastLines(String message) {
    List<String> lines =
        message.strip().lines().filter(l -> !l.isBlank()).map(JobDiskWorkers::logMessage).toList();
    String tail = String.join(" | ", lines.subList(Math.max(0, lines.size() - 4), lines.size()));
    return tail.length() <= 800 ? tail : "..." + tail.substring(tail.length() - 800);
  }

  /** The message of a JSON log line (the image logs JSON), or the line as it is. */
  private static String logMessage(String line) {
    if (!line.startsWith("{")) {
      return line;
    }
    try {
      String text = JSON.readTree(line).path("message").asText("");
      return text.isEmpty() ? line : text;
    } catch (JsonProcessingException e) {
      return line;
    }
  }
}
