package io.vmimport.target.harvester;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmimport.target.harvester.internal.KubeCalls;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Plays Harvester's image controller: downloads each new VirtualMachineImage from its URL the way
 * CDI does (HEAD for the size, a Range request for the header, then the whole body), compares the
 * bytes with the disk file core wrote, and sets the {@code Imported} condition.
 */
final class FakeImageController implements AutoCloseable {
  private final KubernetesClient client;
  private final String namespace;
  private final Map<String, Path> disks;
  private final Set<String> failFirstAttemptOf = ConcurrentHashMap.newKeySet();
  private final Set<String> handled = ConcurrentHashMap.newKeySet();
  private final Set<String> held = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private volatile Throwable error;

  /**
   * @param disks the disk file core wrote, by disk name ({@code disk-0}...)
   */
  FakeImageController(KubernetesClient client, String namespace, Map<String, Path> disks) {
    this.client = client;
    this.namespace = namespace;
    this.disks = disks;
    loop.scheduleWithFixedDelay(this::reconcileAll, 0, 50, TimeUnit.MILLISECONDS);
  }

  /** The first image of this disk fails to import, as a broken download would. */
  void failFirstAttemptOf(String diskName) {
    failFirstAttemptOf.add(diskName);
  }

  /** Images of this disk stay importing (not downloaded) until {@link #release}. */
  void hold(String diskName) {
    held.add(diskName);
  }

  void release(String diskName) {
    held.remove(diskName);
  }

  /** A failure of the fake itself (not of an image), rethrown to the test. */
  void assertHealthy() {
    if (error != null) {
      throw new AssertionError("the fake image controller failed", error);
    }
  }

  private void reconcileAll() {
    try {
      for (GenericKubernetesResource image :
          client
              .genericKubernetesResources(KubeCalls.IMAGES)
              .inNamespace(namespace)
              .list()
              .getItems()) {
        String disk = image.getMetadata().getLabels().get("vmimport.io/disk");
        if (disk == null || imported(image)) {
          // not an importer's image, or one Harvester has finished with: no download
          continue;
        }
        if (!held.contains(disk)
            && handled.add(image.getMetadata().getUid() + image.getMetadata().getName())) {
          reconcile(image);
        }
      }
    } catch (Throwable e) {
      error = e;
    }
  }

  @SuppressWarnings("unchecked")
  private static boolean imported(GenericKubernetesResource image) {
    Object status = image.getAdditionalProperties().get("status");
    if (!(status instanceof Map<?, ?> map) || !(map.get("conditions") instanceof List<?> list)) {
      return false;
    }
    return list.stream()
        .anyMatch(c -> c instanceof Map<?, ?> m && "Imported".equals(m.get("type")));
  }

  @SuppressWarnings("unchecked")
  private void reconcile(GenericKubernetesResource image) throws Exception {
    Map<String, Object> spec = (Map<String, Object>) image.getAdditionalProperties().get("spec");
    String disk = image.getMetadata().getLabels().get("vmimport.io/disk");
    String attempt = image.getMetadata().getLabels().get("vmimport.io/attempt");
    if (failFirstAttemptOf.contains(disk) && "1".equals(attempt)) {
      setImported(image, false, "ImportFailed", "download failed: unexpected EOF", 0);
      return;
    }
    Path expected = disks.get(disk);
    String problem = verifyDownload(URI.create((String) spec.get("url")), expected);
    if (problem != null) {
      setImported(image, false, "ImportFailed", problem, 0);
    } else {
      setImported(image, true, "", "", Files.size(expected));
    }
  }

  /** Returns what was wrong with the download, or null when the bytes match the disk. */
  private String verifyDownload(URI url, Path expected) throws Exception {
    HttpResponse<Void> head =
        http.send(
            HttpRequest.newBuilder(url).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.discarding());
    long size = Files.size(expected);
    if (head.statusCode() != 200
        || head.headers().firstValueAsLong("Content-Length").orElse(-1) != size) {
      return "HEAD answered " + head.statusCode() + " " + head.headers().map();
    }
    HttpResponse<byte[]> header =
        http.send(
            HttpRequest.newBuilder(url).header("Range", "bytes=0-511").build(),
            HttpResponse.BodyHandlers.ofByteArray());
    byte[] first = Arrays.copyOf(Files.readAllBytes(expected), (int) Math.min(512, size));
    if (header.statusCode() != 206 || !Arrays.equals(header.body(), first)) {
      return "Range request answered " + header.statusCode() + " with other bytes";
    }
    HttpResponse<InputStream> body =
        http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofInputStream());
    String actual;
    try (InputStream in = body.body()) {
      actual = ImageServerIT.sha256(in);
    }
    String wanted = ImageServerIT.sha256(Files.newInputStream(expected));
    return body.statusCode() == 200 && actual.equals(wanted)
        ? null
        : "download answered " + body.statusCode() + " with other bytes";
  }

  private void setImported(
      GenericKubernetesResource image, boolean ok, String reason, String message, long size) {
    String name = image.getMetadata().getName();
    // VirtualMachineImage has no status subresource: Harvester writes status with a patch
    String patch =
        ok
            ? "{\"status\":{\"progress\":100,\"size\":"
                + size
                + ",\"virtualSize\":"
                + size
                + ",\"storageClassName\":\"longhorn-"
                + name
                + "\",\"conditions\":[{\"type\":\"Imported\",\"status\":\"True\"}]}}"
            : "{\"status\":{\"failed\":1,\"conditions\":[{\"type\":\"Imported\",\"status\":\"False\","
                + "\"reason\":\""
                + reason
                + "\",\"message\":\""
                + message.replace("\"", "'")
                + "\"}]}}";
    client
        .genericKubernetesResources(KubeCalls.IMAGES)
        .inNamespace(namespace)
        .withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }
}
