package io.vmimport.operator;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.KeyToPathBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What {@link TestKubelet} gives one pod on this host: a directory with its volumes, a loopback
 * address, a log file, a termination-log file; and how its container starts: the command, args, env
 * and working directory of the pod spec, with the image's and the mounts' paths rewritten to local
 * ones.
 */
final class PodSandbox {
  /** The container cannot start yet: a Kubernetes waiting reason and message. */
  static final class Waiting extends Exception {
    final String reason;

    Waiting(String reason, String message) {
      super(message);
      this.reason = reason;
    }
  }

  private static final Pattern REFERENCE =
      Pattern.compile("\\$\\$|\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

  final Pod pod;
  final String ip;
  final Path dir;
  final Path log;
  final Path terminationLog;
  private final KubernetesClient client;
  private final Map<String, String> imagePaths;
  private final Map<String, String> clusterEnv;
  private final Map<String, Path> volumeDirs = new LinkedHashMap<>();

  PodSandbox(
      KubernetesClient client,
      Pod pod,
      String ip,
      Path workDir,
      Map<String, String> imagePaths,
      Map<String, String> clusterEnv) {
    this.client = client;
    this.pod = pod;
    this.ip = ip;
    this.imagePaths = imagePaths;
    this.clusterEnv = clusterEnv;
    String id = pod.getMetadata().getNamespace() + "_" + pod.getMetadata().getName();
    this.dir = workDir.resolve(id);
    this.log = workDir.resolve(id + ".log");
    this.terminationLog = dir.resolve("termination-log");
    try {
      Files.createDirectories(dir);
      for (Volume volume : nullSafe(pod.getSpec().getVolumes())) {
        Path local;
        if (volume.getHostPath() != null) {
          local = Path.of(volume.getHostPath().getPath());
        } else if (volume.getEmptyDir() != null
            || volume.getEphemeral() != null
            || volume.getSecret() != null) {
          local = dir.resolve("volumes").resolve(volume.getName());
        } else {
          throw new PodSpecNotSimulated(
              "volume '"
                  + volume.getName()
                  + "' of pod "
                  + id
                  + ": the test kubelet knows emptyDir, ephemeral, secret and hostPath volumes");
        }
        volumeDirs.put(volume.getName(), Files.createDirectories(local));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Container container() {
    return pod.getSpec().getContainers().get(0);
  }

  /**
   * A process builder for the container as the pod spec says, secret volumes filled afresh.
   *
   * @throws Waiting when a Secret the pod needs is missing
   */
  ProcessBuilder prepare() throws Waiting, IOException {
    for (Volume volume : nullSafe(pod.getSpec().getVolumes())) {
      if (volume.getSecret() != null) {
        fill(volume);
      }
    }
    Container container = container();
    Map<String, String> paths = new HashMap<>(imagePaths);
    for (VolumeMount mount : nullSafe(container.getVolumeMounts())) {
      Path local = volumeDirs.get(mount.getName());
      if (local == null) {
        throw new IllegalArgumentException(
            "volume mount of an undefined volume " + mount.getName());
      }
      if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) {
        local = Files.createDirectories(local.resolve(mount.getSubPath()));
      }
      paths.put(mount.getMountPath(), local.toString());
    }
    paths.put(
        Optional.ofNullable(container.getTerminationMessagePath()).orElse("/dev/termination-log"),
        terminationLog.toString());
    Map<String, String> env = environment(container, paths);
    List<String> command = new ArrayList<>();
    for (String part : concat(container.getCommand(), container.getArgs())) {
      command.add(expand(part, env, paths));
    }
    if (nullSafe(container.getCommand()).isEmpty()) {
      throw new PodSpecNotSimulated(
          "container "
              + container.getName()
              + " of pod "
              + pod.getMetadata().getName()
              + " sets no command: the test kubelet does not know the image's entrypoint");
    }
    if (command.get(0).equals("java") || command.get(0).endsWith("/java")) {
      command.set(0, ProcessHandle.current().info().command().orElseThrow());
    }
    Path workingDir =
        container.getWorkingDir() == null || container.getWorkingDir().isEmpty()
            ? dir
            : Files.createDirectories(Path.of(rewrite(container.getWorkingDir(), paths)));
    Files.write(terminationLog, new byte[0]);
    ProcessBuilder builder =
        // its own session and process group, so that the kubelet can stop all it started
        new ProcessBuilder(Stream.concat(Stream.of("setsid"), command.stream()).toList())
            .directory(workingDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().clear();
    builder.environment().putAll(env);
    return builder;
  }

  /**
   * The environment of the container: nothing of the test JVM's but PATH and JAVA_HOME, what a
   * cluster gives every pod to reach its API server, then the pod's env.
   */
  private Map<String, String> environment(Container container, Map<String, String> paths)
      throws Waiting {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", System.getenv("PATH"));
    env.put(
        "JAVA_HOME",
        Optional.ofNullable(System.getenv("JAVA_HOME")).orElse(System.getProperty("java.home")));
    env.put("HOSTNAME", pod.getMetadata().getName());
    env.putAll(clusterEnv);
    if (container.getEnvFrom() != null && !container.getEnvFrom().isEmpty()) {
      throw new PodSpecNotSimulated("envFrom is unknown to the test kubelet");
    }
    for (EnvVar variable : nullSafe(container.getEnv())) {
      Optional<String> value = value(variable, env, paths);
      value.ifPresent(v -> env.put(variable.getName(), v));
    }
    return env;
  }

  private Optional<String> value(
      EnvVar variable, Map<String, String> env, Map<String, String> paths) throws Waiting {
    if (variable.getValueFrom() == null) {
      return Optional.of(expand(Optional.ofNullable(variable.getValue()).orElse(""), env, paths));
    }
    var from = variable.getValueFrom();
    if (from.getFieldRef() != null) {
      return Optional.of(field(from.getFieldRef().getFieldPath()));
    }
    if (from.getSecretKeyRef() != null) {
      var ref = from.getSecretKeyRef();
      boolean optional = Boolean.TRUE.equals(ref.getOptional());
      Optional<Map<String, String>> data = secret(ref.getName());
      if (data.isEmpty() && !optional) {
        throw new Waiting(
            "CreateContainerConfigError", "secret \"" + ref.getName() + "\" not found");
      }
      if (data.isPresent() && !data.get().containsKey(ref.getKey()) && !optional) {
        throw new Waiting(
            "CreateContainerConfigError",
            "couldn't find key "
                + ref.getKey()
                + " in Secret "
                + pod.getMetadata().getNamespace()
                + "/"
                + ref.getName());
      }
      return data.map(d -> d.get(ref.getKey())).map(v -> rewrite(v, paths));
    }
    throw new PodSpecNotSimulated(
        "env " + variable.getName() + ": the test kubelet knows value, fieldRef and secretKeyRef");
  }

  private String field(String path) {
    return switch (path) {
      case "metadata.name" -> pod.getMetadata().getName();
      case "metadata.namespace" -> pod.getMetadata().getNamespace();
      case "metadata.uid" -> pod.getMetadata().getUid();
      case "spec.nodeName" -> pod.getSpec().getNodeName();
      case "spec.serviceAccountName" ->
          Optional.ofNullable(pod.getSpec().getServiceAccountName()).orElse("default");
      case "status.podIP", "status.podIPs" -> ip;
      case "status.hostIP", "status.hostIPs" -> "127.0.0.1";
      default ->
          throw new PodSpecNotSimulated("fieldRef " + path + " is unknown to the test kubelet");
    };
  }

  /** A secret volume: one file per key (or per item), with its mode. */
  private void fill(Volume volume) throws Waiting, IOException {
    String name = volume.getSecret().getSecretName();
    Optional<Map<String, String>> data = secret(name);
    Boolean optional = volume.getSecret().getOptional();
    Integer defaultMode = volume.getSecret().getDefaultMode();
    List<KeyToPath> items = volume.getSecret().getItems();
    if (data.isEmpty() && !Boolean.TRUE.equals(optional)) {
      throw new Waiting(
          "ContainerCreating",
          "MountVolume.SetUp failed for volume \""
              + volume.getName()
              + "\" : secret \""
              + name
              + "\" not found");
    }
    Path target = volumeDirs.get(volume.getName());
    deleteRecursively(target);
    Files.createDirectories(target);
    List<KeyToPath> files = new ArrayList<>(nullSafe(items));
    if (files.isEmpty()) {
      data.orElse(Map.of())
          .keySet()
          .forEach(k -> files.add(new KeyToPathBuilder().withKey(k).withPath(k).build()));
    }
    for (KeyToPath item : files) {
      String value = data.orElse(Map.of()).get(item.getKey());
      if (value == null) {
        if (Boolean.TRUE.equals(optional)) {
          continue;
        }
        throw new Waiting(
            "ContainerCreating",
            "MountVolume.SetUp failed for volume \""
                + volume.getName()
                + "\" : references non-existent secret key: "
                + item.getKey());
      }
      Path file = target.resolve(item.getPath());
      Files.createDirectories(file.getParent());
      Files.writeString(file, value);
      Files.setPosixFilePermissions(
          file,
          permissions(
              Optional.ofNullable(item.getMode())
                  .or(() -> Optional.ofNullable(defaultMode))
                  .orElse(0644)));
    }
  }

  private Optional<Map<String, String>> secret(String name) {
    Secret secret =
        client.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(name).get();
    if (secret == null) {
      return Optional.empty();
    }
    Map<String, String> data = new HashMap<>();
    Optional.ofNullable(secret.getData())
        .orElse(Map.of())
        .forEach(
            (k, v) ->
                data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    // the API server folds stringData into data; the mock server keeps it apart
    data.putAll(Optional.ofNullable(secret.getStringData()).orElse(Map.of()));
    return Optional.of(data);
  }

  /** The first emptyDir volume using more than its sizeLimit, as the eviction message says it. */
  Optional<String> exceededSizeLimit() throws IOException {
    for (Volume volume : nullSafe(pod.getSpec().getVolumes())) {
      if (volume.getEmptyDir() != null && volume.getEmptyDir().getSizeLimit() != null) {
        Quantity limit = volume.getEmptyDir().getSizeLimit();
        long used;
        try (Stream<Path> files = Files.walk(volumeDirs.get(volume.getName()))) {
          used = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
        if (used > Quantity.getAmountInBytes(limit).longValue()) {
          return Optional.of(
              "Usage of EmptyDir volume \""
                  + volume.getName()
                  + "\" exceeds the limit \""
                  + limit
                  + "\". ");
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The termination message of a container that exited: its termination-log file, or with {@code
   * FallbackToLogsOnError} and a failure, the last 2 KiB it wrote from {@code logOffset} on.
   */
  String terminationMessage(long logOffset, int exitCode) throws IOException {
    String message = Files.readString(terminationLog);
    if (message.length() > 4096) {
      message = message.substring(0, 4096);
    }
    if (message.isBlank()
        && exitCode != 0
        && "FallbackToLogsOnError".equals(container().getTerminationMessagePolicy())) {
      try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
        long from = Math.max(logOffset, file.length() - 2048);
        byte[] tail = new byte[(int) (file.length() - from)];
        file.seek(from);
        file.readFully(tail);
        message = new String(tail, StandardCharsets.UTF_8);
      }
    }
    return message;
  }

  long logSize() {
    return log.toFile().length();
  }

  /** Removes the pod's directory, with its emptyDir, ephemeral and secret volumes. */
  void delete() throws IOException {
    deleteRecursively(dir);
  }

  /**
   * {@code $(VAR)} references of Kubernetes replaced by the variables defined so far ({@code $$}
   * escapes), the text around them with image and mount paths made local.
   */
  private static String expand(String text, Map<String, String> env, Map<String, String> paths) {
    StringBuilder result = new StringBuilder();
    Matcher matcher = REFERENCE.matcher(text);
    int end = 0;
    while (matcher.find()) {
      result.append(rewrite(text.substring(end, matcher.start()), paths));
      String name = matcher.group(1);
      result.append(name == null ? "$" : env.containsKey(name) ? env.get(name) : matcher.group());
      end = matcher.end();
    }
    return result.append(rewrite(text.substring(end), paths)).toString();
  }

  /**
   * {@code text} with each path that starts with a key of {@code paths} (at a word boundary: the
   * start, or after a character that is not part of a file name) made to start with its value
   * instead; of several keys the longest wins, as the innermost mount does.
   */
  static String rewrite(String text, Map<String, String> paths) {
    StringBuilder result = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      String best = null;
      if (i == 0 || !isNameChar(text.charAt(i - 1)) && text.charAt(i - 1) != '/') {
        for (String prefix : paths.keySet()) {
          int after = i + prefix.length();
          if (text.startsWith(prefix, i)
              && (prefix.endsWith("/") || after == text.length() || !isNameChar(text.charAt(after)))
              && (best == null || prefix.length() > best.length())) {
            best = prefix;
          }
        }
      }
      if (best == null) {
        result.append(text.charAt(i++));
      } else {
        String local = paths.get(best);
        result.append(best.endsWith("/") && !local.endsWith("/") ? local + "/" : local);
        i += best.length();
      }
    }
    return result.toString();
  }

  private static boolean isNameChar(char c) {
    return Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-';
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
    for (int bit = 0; bit < 9; bit++) {
      if ((mode & (1 << (8 - bit))) != 0) {
        permissions.add(bits[bit]);
      }
    }
    return permissions;
  }

  static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> files = Files.walk(path)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(nullSafe(a));
    all.addAll(nullSafe(b));
    return all;
  }

  private static <T> List<T> nullSafe(List<T> list) {
    return list == null ? List.of() : list;
  }
}
