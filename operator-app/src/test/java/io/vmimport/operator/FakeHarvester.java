package io.vmimport.operator;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Plays Harvester's image controller and KubeVirt against the mock API server: downloads every new
 * VirtualMachineImage from its URL as CDI does (HEAD for the size, a Range request for the header,
 * then the body) into {@code downloads}, sets {@code Imported}, and marks every VirtualMachine
 * running.
 */
final class FakeHarvester implements AutoCloseable {
  static final ResourceDefinitionContext IMAGES =
      new ResourceDefinitionContext.Builder()
          .withGroup("harvesterhci.io")
          .withVersion("v1beta1")
          .withKind("VirtualMachineImage")
          .withPlural("virtualmachineimages")
          .withNamespaced(true)
          .build();
  static final ResourceDefinitionContext VMS =
      new ResourceDefinitionContext.Builder()
          .withGroup("kubevirt.io")
          .withVersion("v1")
          .withKind("VirtualMachine")
          .withPlural("virtualmachines")
          .withNamespaced(true)
          .build();

  private final KubernetesClient client;
  private final Path downloads;
  private final Set<String> handled = ConcurrentHashMap.newKeySet();
  private final Set<String> held = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private volatile Throwable error;
  private volatile boolean vmsHeld;

  FakeHarvester(KubernetesClient client, Path downloads) {
    this.client = client;
    this.downloads = downloads;
    loop.scheduleWithFixedDelay(this::reconcileAll, 0, 100, TimeUnit.MILLISECONDS);
  }

  /** Images stay importing (not downloaded) until {@link #releaseImages()}. */
  void holdImages() {
    held.add("*");
  }

  void releaseImages() {
    held.clear();
  }

  /** VirtualMachines stay not running until {@link #releaseVms()}. */
  void holdVms() {
    vmsHeld = true;
  }

  void releaseVms() {
    vmsHeld = false;
  }

  /** The downloaded image files, by image name. */
  Map<String, Path> downloaded() throws Exception {
    Map<String, Path> files = new java.util.TreeMap<>();
    try (var list = Files.list(downloads)) {
      list.forEach(f -> files.put(f.getFileName().toString(), f));
    }
    return files;
  }

  void assertHealthy() {
    if (error != null) {
      throw new AssertionError("the fake Harvester failed", error);
    }
  }

  private void reconcileAll() {
    try {
      for (GenericKubernetesResource image :
          client.genericKubernetesResources(IMAGES).inAnyNamespace().list().getItems()) {
        if (held.isEmpty()
            && handled.add(image.getMetadata().getUid() + image.getMetadata().getName())) {
          download(image);
        }
      }
      for (GenericKubernetesResource vm :
          client.genericKubernetesResources(VMS).inAnyNamespace().list().getItems()) {
        Object status = vm.getAdditionalProperties().get("status");
        if (!vmsHeld
            && (!(status instanceof Map<?, ?> map) || !Boolean.TRUE.equals(map.get("ready")))) {
          // VirtualMachine has a status subresource: KubeVirt writes status through it
          unlessGone(
              () ->
                  client
                      .genericKubernetesResources(VMS)
                      .inNamespace(vm.getMetadata().getNamespace())
                      .withName(vm.getMetadata().getName())
                      .editStatus(
                          current -> {
                            current.setAdditionalProperty(
                                "status",
                                Map.of(
                                    "printableStatus", "Running", "ready", true, "created", true));
                            return current;
                          }));
        }
      }
    } catch (Throwable e) {
      error = e;
    }
  }

  /**
   * Writes to an object listed a moment ago. As a real controller, the fake lets it go when the
   * object was deleted meanwhile (e.g. an operator replacing an image its predecessor published),
   * and tries again on the next pass when it changed meanwhile.
   */
  private static void unlessGone(Runnable write) {
    try {
      write.run();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 409) {
        throw e;
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void download(GenericKubernetesResource image) throws Exception {
    Map<String, Object> spec = (Map<String, Object>) image.getAdditionalProperties().get("spec");
    URI url = URI.create((String) spec.get("url"));
    Path file = downloads.resolve(image.getMetadata().getName());
    String problem;
    try {
      problem = fetch(url, file);
    } catch (IOException e) {
      // as CDI reports a download that cannot connect: the image fails, the importer resubmits
      problem = "download failed: " + e;
    }
    String patch =
        problem == null
            ? "{\"status\":{\"progress\":100,\"size\":"
                + Files.size(file)
                + ",\"virtualSize\":"
                + Files.size(file)
                + ",\"storageClassName\":\"longhorn-"
                + image.getMetadata().getName()
                + "\",\"conditions\":[{\"type\":\"Imported\",\"status\":\"True\"}]}}"
            : "{\"status\":{\"failed\":1,\"conditions\":[{\"type\":\"Imported\",\"status\":\"False\","
                + "\"reason\":\"ImportFailed\",\"message\":\""
                + problem.replace("\"", "'")
                + "\"}]}}";
    unlessGone(
        () ->
            client
                .genericKubernetesResources(IMAGES)
                .inNamespace(image.getMetadata().getNamespace())
                .withName(image.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch));
  }

  /** Downloads {@code url} into {@code file} as CDI does; returns what was wrong, or null. */
  private String fetch(URI url, Path file) throws IOException, InterruptedException {
    HttpResponse<Void> head =
        http.send(
            HttpRequest.newBuilder(url).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.discarding());
    long size = head.headers().firstValueAsLong("Content-Length").orElse(-1);
    if (head.statusCode() != 200 || size <= 0) {
      return "HEAD answered " + head.statusCode() + " without a Content-Length";
    }
    HttpResponse<byte[]> header =
        http.send(
            HttpRequest.newBuilder(url).header("Range", "bytes=0-511").build(),
            HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<InputStream> body =
        http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = body.body()) {
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
    }
    byte[] first = Arrays.copyOf(Files.readAllBytes(file), (int) Math.min(512, size));
    if (header.statusCode() != 206 || !Arrays.equals(header.body(), first)) {
      return "the Range request answered " + header.statusCode() + " with other bytes";
    }
    if (body.statusCode() != 200 || Files.size(file) != size) {
      return "the download answered " + body.statusCode() + " with " + Files.size(file) + " bytes";
    }
    return null;
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }
}
