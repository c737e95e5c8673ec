package io.vmimport.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.vmimport.operator.crd.Condition;
import io.vmimport.operator.crd.NetworkMapping;
import io.vmimport.operator.crd.SourceStatus;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.operator.crd.VirtualMachineImportSpec;
import io.vmimport.operator.internal.WorkerJobSpec;
import io.vmimport.target.harvester.Crds;
import io.vmimport.target.harvester.ImageServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A Harvester cluster for the operator's tests: fabric8's mock API server (CRUD mode) with the real
 * CRDs of KubeVirt, Harvester, Multus and the migration group, a default Longhorn storage class,
 * the NetworkAttachmentDefinition {@code default/vlan1}, and {@link FakeHarvester}; plus the
 * operator and helpers to apply objects and wait for statuses.
 */
final class TestCluster implements AutoCloseable {
  static final String NS = "default";
  static final Duration DEADLINE = Duration.ofSeconds(180);
  static final List<String> COMPAT_ORDER =
      List.of(
          "",
          "virtualMachineImportValid",
          "sourceReady",
          "disksExported",
          "diskImageSubmitted",
          "diskImagesReady",
          "virtualMachineCreated",
          "virtualMachineRunning");

  /**
   * The CRD of the example provider's kind (DirectorySource), as its jar ships it: the operator's
   * test class path holds that provider, as an image with the plugin would.
   */
  static final String PLUGIN_CRD = "META-INF/vmimport/crds/directory.yaml";

  /**
   * The chart as Helm renders it into this test's namespace, with its default values but for the
   * plugin's kind, which the operator of these tests serves.
   */
  private static final HelmChart OPERATOR_CHART =
      HelmChart.render(NS, Map.of("pluginSourceResources[0]", "directorysources"));

  /** The chart with {@code diskWork: jobs}, in this test's namespace. */
  static final HelmChart JOBS_CHART =
      HelmChart.render(
          NS, Map.of("pluginSourceResources[0]", "directorysources", "diskWork", "jobs"));

  /** The chart watching this test's namespace alone: Roles there, a ClusterRole for the rest. */
  private static final HelmChart WATCHING_CHART =
      HelmChart.render(
          NS, Map.of("watchNamespaces[0]", NS, "pluginSourceResources[0]", "directorysources"));

  /** Kubernetes' default role system:basic-user lets every account ask what it may do. */
  private static final Set<String> EVERY_ACCOUNT_MAY =
      Set.of(
          "authorization.k8s.io selfsubjectrulesreviews",
          "authorization.k8s.io selfsubjectaccessreviews",
          "authentication.k8s.io selfsubjectreviews");

  final KubernetesClient client;
  final FakeHarvester harvester;
  private final Path dir;
  private final List<Watch> watches = new ArrayList<>();

  /** What each operator of this test called, with the chart whose RBAC must allow it. */
  private final List<Map.Entry<ApiCall.Recorder, HelmChart>> operatorCalls = new ArrayList<>();

  private final List<KubernetesClient> operatorClients = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  TestCluster(KubernetesClient client, Path dir) throws Exception {
    this.client = client;
    this.dir = dir;
    Crds.createIn(
        client,
        Crds.VIRTUAL_MACHINES,
        Crds.IMAGES,
        Crds.NADS,
        Crds.IMPORTS,
        "migration.harvesterhci.io_vmwaresources.DERIVED.yaml",
        "migration.harvesterhci.io_openstacksources.DERIVED.yaml",
        "migration.harvesterhci.io_ovasources.DERIVED.yaml");
    createPluginCrd(client);
    client
        .storage()
        .v1()
        .storageClasses()
        .resource(
            new StorageClassBuilder()
                .withNewMetadata()
                .withName("harvester-longhorn")
                .withAnnotations(Map.of("storageclass.kubernetes.io/is-default-class", "true"))
                .endMetadata()
                .withProvisioner("driver.longhorn.io")
                .build())
        .create();
    client
        .genericKubernetesResources("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition")
        .inNamespace(NS)
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("k8s.cni.cncf.io/v1")
                .withKind("NetworkAttachmentDefinition")
                .withMetadata(new ObjectMetaBuilder().withName("vlan1").withNamespace(NS).build())
                .withAdditionalProperties(
                    Map.of(
                        "spec", Map.of("config", "{\"cniVersion\":\"0.3.1\",\"type\":\"bridge\"}")))
                .build())
        .create();
    harvester = new FakeHarvester(client, Files.createDirectories(dir.resolve("downloads")));
  }

  /** Applies the CRD the example provider's jar ships, read from that jar as an admin would. */
  static void createPluginCrd(KubernetesClient client) {
    java.net.URL crd = TestCluster.class.getClassLoader().getResource(PLUGIN_CRD);
    assertThat(crd).as("%s on the test class path (module examples)", PLUGIN_CRD).isNotNull();
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .load(crd)
        .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
  }

  /** An operator on this cluster, scratch in the test's directory; leader election when given. */
  /** Imports the next operators started in-process export from one source host at once. */
  int exportsPerSourceHost = 10;

  /**
   * {@code diskWork: jobs} for the operators started next: how their worker Jobs run (a {@link
   * TestKubelet} runs them). Empty: {@code inProcess}.
   */
  Optional<WorkerJobSpec.Settings> diskWorkers = Optional.empty();

  VmImportOperator startOperator(Optional<String> leaseNamespace) {
    return startOperator(leaseNamespace, 2);
  }

  VmImportOperator startOperator(Optional<String> leaseNamespace, int maxConcurrentImports) {
    return startOperator(
        leaseNamespace,
        maxConcurrentImports,
        Set.of(),
        new ConfigBuilder(client.getConfiguration()));
  }

  /**
   * An operator watching this test's namespace alone, as the chart deploys it with {@code
   * watchNamespaces} set: its calls are held to that chart's Roles, which grant nothing (no Secret)
   * outside the namespace.
   */
  VmImportOperator startOperatorWatchingItsNamespace() {
    return startOperator(
        Optional.empty(), 2, Set.of(NS), new ConfigBuilder(client.getConfiguration()));
  }

  /**
   * An operator whose client repeats a refused request (429, 5xx, I/O) only once, at once, so that
   * a test can make the API server refuse longer than the client's own retries (about 20 s by
   * default) without waiting that long.
   */
  VmImportOperator startOperatorWithFewClientRetries() {
    return startOperator(
        Optional.empty(),
        2,
        Set.of(),
        new ConfigBuilder(client.getConfiguration())
            .withRequestRetryBackoffLimit(1)
            .withRequestRetryBackoffInterval(1));
  }

  private VmImportOperator startOperator(
      Optional<String> leaseNamespace,
      int maxConcurrentImports,
      Set<String> namespaces,
      ConfigBuilder config) {
    // a client of its own, so that what the operator calls can be told from what the test does
    ApiCall.Recorder calls = new ApiCall.Recorder();
    synchronized (operatorCalls) {
      operatorCalls.add(
          Map.entry(
              calls,
              !namespaces.isEmpty()
                  ? WATCHING_CHART
                  : diskWorkers.isPresent() ? JOBS_CHART : OPERATOR_CHART));
    }
    KubernetesClient operatorClient =
        new KubernetesClientBuilder()
            .withConfig(config.build())
            .withHttpClientBuilderConsumer(
                builder -> builder.addOrReplaceInterceptor("record", calls))
            .build();
    operatorClients.add(operatorClient);
    return VmImportOperator.start(
        new OperatorConfig(
            namespaces,
            dir.resolve("scratch"),
            maxConcurrentImports,
            2,
            exportsPerSourceHost,
            new InetSocketAddress("127.0.0.1", 0),
            Optional.empty(),
            ImageServerConfig.Limits.DEFAULTS,
            0,
            0,
            false,
            false,
            Duration.ofSeconds(30),
            Duration.ofMillis(200),
            Duration.ofMillis(500),
            leaseNamespace,
            // the operator ITs' disks hold no guest; boot-check's ITs convert real ones
            io.vmimport.api.guest.GuestConversionPolicy.NEVER,
            diskWorkers),
        operatorClient);
  }

  /**
   * Every request the operators of this test made is one the Helm chart's RBAC grants to the
   * operator's service account (rendered by Helm in this test's namespace, where the Lease is, with
   * the operator's {@code watchNamespaces}), or one Kubernetes lets every account make (asking what
   * it may do). A grant holds where its binding does: cluster-wide, or in a Role's namespace.
   */
  private void assertTheChartsRbacAllowsEveryOperatorCall() {
    List<Map.Entry<ApiCall.Recorder, HelmChart>> recorded;
    synchronized (operatorCalls) {
      recorded = List.copyOf(operatorCalls);
    }
    assertThat(recorded.stream().mapToInt(e -> e.getKey().calls.size()).sum())
        .as("the operator's API calls")
        .isPositive();
    for (Map.Entry<ApiCall.Recorder, HelmChart> operator : recorded) {
      List<HelmChart.Grant> grants = operator.getValue().operatorsGrants();
      assertThat(
              operator.getKey().calls.stream()
                  .filter(call -> !EVERY_ACCOUNT_MAY.contains(call.group() + " " + call.resource()))
                  .filter(call -> grants.stream().noneMatch(g -> g.allows(call)))
                  .map(ApiCall::toString)
                  .sorted()
                  .toList())
          .as(
              "calls the chart's RBAC (charts/vmimport-operator/templates/rbac.yaml, %s) refuses",
              operator.getValue() == OPERATOR_CHART
                  ? "all namespaces"
                  : "watchNamespaces=[" + NS + "]")
          .isEmpty();
    }
  }

  /**
   * The end of a test: stops {@code operator} (if any), checks what the operators called against
   * the chart's RBAC, and closes this cluster even when the check fails.
   */
  void stopOperatorCheckRbacAndClose(VmImportOperator operator) {
    try {
      if (operator != null) {
        operator.close();
      }
      assertTheChartsRbacAllowsEveryOperatorCall();
    } finally {
      close();
    }
  }

  /** What the API server answers the operator asking what it may do in this test's namespace. */
  SelfSubjectRulesReview chartsRulesReview() {
    return new SelfSubjectRulesReviewBuilder()
        .withNewSpec()
        .withNamespace(NS)
        .endSpec()
        .withNewStatus()
        .withIncomplete(false)
        .withResourceRules(
            OPERATOR_CHART.operatorsGrants().stream()
                .filter(g -> g.namespace().map(NS::equals).orElse(true))
                .map(
                    g ->
                        new ResourceRuleBuilder()
                            .withApiGroups(g.rule().getApiGroups())
                            .withResources(g.rule().getResources())
                            .withResourceNames(g.rule().getResourceNames())
                            .withVerbs(g.rule().getVerbs())
                            .build())
                .toList())
        .endStatus()
        .build();
  }

  /**
   * The operator as its image runs it: Main in its own JVM, configured by environment (plus {@code
   * env}), logging to {@code log}; no leader election.
   */
  Process startOperatorProcess(Path log, Map<String, String> env) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-Dlogback.configurationFile=logback.xml",
                Main.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> variables = builder.environment();
    variables.put("KUBERNETES_MASTER", client.getMasterUrl().toString());
    variables.put("KUBERNETES_TRUST_CERTIFICATES", "true");
    variables.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
    variables.put("KUBERNETES_NAMESPACE", NS);
    variables.put("VMIMPORT_LEADER_ELECTION", "false");
    variables.put("VMIMPORT_SCRATCH_DIR", scratch().toString());
    variables.put("VMIMPORT_IMAGE_SERVER_ADDRESS", "127.0.0.1");
    variables.put("VMIMPORT_IMAGE_SERVER_PORT", "0");
    variables.put("VMIMPORT_HTTP_PORT", "0");
    variables.put("VMIMPORT_PROBE_PORT", "0");
    variables.put("VMIMPORT_STATUS_INTERVAL_MILLIS", "200");
    variables.putAll(env);
    return builder.start();
  }

  Path scratch() {
    return dir.resolve("scratch");
  }

  void applySecret(String name, Map<String, String> values) {
    Map<String, String> data = new HashMap<>();
    values.forEach(
        (k, v) ->
            data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    client
        .secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withData(data)
                .build())
        .createOr(existing -> existing.update());
  }

  /** A VirtualMachineImport shaped like upstream's sample, mapping {@code network} to vlan1. */
  static VirtualMachineImport importOf(
      String name, String sourceKind, String sourceName, String vm, String network) {
    VirtualMachineImport vmi = new VirtualMachineImport();
    vmi.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    VirtualMachineImportSpec spec = new VirtualMachineImportSpec();
    spec.virtualMachineName = vm;
    if (network != null) {
      NetworkMapping mapping = new NetworkMapping();
      mapping.sourceNetwork = network;
      mapping.destinationNetwork = NS + "/vlan1";
      spec.networkMapping = List.of(mapping);
    }
    spec.sourceCluster =
        new ObjectReferenceBuilder()
            .withApiVersion("migration.harvesterhci.io/v1beta1")
            .withKind(sourceKind)
            .withName(sourceName)
            .withNamespace(NS)
            .build();
    vmi.setSpec(spec);
    return vmi;
  }

  void apply(VirtualMachineImport vmi) {
    client.resources(VirtualMachineImport.class).inNamespace(NS).resource(vmi).create();
  }

  /** Every {@code importStatus} the import's watch delivers, in order. */
  List<String> recordStatuses(String name) {
    List<String> statuses = Collections.synchronizedList(new ArrayList<>());
    watches.add(
        client
            .resources(VirtualMachineImport.class)
            .inNamespace(NS)
            .withName(name)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, VirtualMachineImport resource) {
                    statuses.add(importStatus(resource));
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                }));
    return statuses;
  }

  /** The names of imports in the order their runs began (their first {@code importStatus}). */
  List<String> recordStarts() {
    List<String> started = Collections.synchronizedList(new ArrayList<>());
    watches.add(
        client
            .resources(VirtualMachineImport.class)
            .inNamespace(NS)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, VirtualMachineImport resource) {
                    String name = resource.getMetadata().getName();
                    if (!importStatus(resource).isEmpty() && !started.contains(name)) {
                      started.add(name);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                }));
    return started;
  }

  static List<String> distinctInOrder(List<String> values) {
    List<String> result = new ArrayList<>();
    synchronized (values) {
      for (String value : values) {
        if (result.isEmpty() || !result.get(result.size() - 1).equals(value)) {
          result.add(value);
        }
      }
    }
    return result;
  }

  VirtualMachineImport await(String name, Predicate<VirtualMachineImport> condition)
      throws Exception {
    return await(name, condition, false);
  }

  /**
   * Waits until the import meets {@code condition}; unless {@code failureExpected}, a final failure
   * ends the wait at once with the status.
   */
  VirtualMachineImport await(
      String name, Predicate<VirtualMachineImport> condition, boolean failureExpected)
      throws Exception {
    return await(name, condition, failureExpected, DEADLINE);
  }

  /**
   * As {@link #await(String, Predicate, boolean)}, for work known to take longer (a conversion).
   */
  VirtualMachineImport await(
      String name,
      Predicate<VirtualMachineImport> condition,
      boolean failureExpected,
      Duration within)
      throws Exception {
    Instant deadline = Instant.now().plus(within);
    VirtualMachineImport vmi = null;
    while (Instant.now().isBefore(deadline)) {
      harvester.assertHealthy();
      vmi = client.resources(VirtualMachineImport.class).inNamespace(NS).withName(name).get();
      if (vmi != null && condition.test(vmi)) {
        return vmi;
      }
      if (!failureExpected) {
        assertThat(vmi == null ? "" : importStatus(vmi))
            .as("import %s failed: %s", name, vmi == null ? null : describe(vmi.getStatus()))
            .isNotIn("VMMigrationFailed", "virtualMachineImportInvalid");
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    throw new AssertionError(
        "import " + name + " did not get there in time; status: " + describe(vmi));
  }

  /** Deletes an import and waits until it is gone (its finalizer has run). */
  void deleteAndAwaitGone(String name) throws Exception {
    client.resources(VirtualMachineImport.class).inNamespace(NS).withName(name).delete();
    Instant deadline = Instant.now().plus(DEADLINE);
    while (client.resources(VirtualMachineImport.class).inNamespace(NS).withName(name).get()
        != null) {
      assertThat(Instant.now()).as("import %s gone", name).isBefore(deadline);
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  /** No VirtualMachineImage, no VirtualMachine, no file in scratch. */
  void assertNothingLeftInHarvesterOrScratch() throws IOException {
    assertThat(
            client
                .genericKubernetesResources(FakeHarvester.IMAGES)
                .inNamespace(NS)
                .list()
                .getItems())
        .as("VirtualMachineImages")
        .isEmpty();
    assertThat(
            client.genericKubernetesResources(FakeHarvester.VMS).inNamespace(NS).list().getItems())
        .as("VirtualMachines")
        .isEmpty();
    try (Stream<Path> files = Files.walk(scratch())) {
      assertThat(files.filter(Files::isRegularFile).toList()).as("files in scratch").isEmpty();
    }
  }

  VirtualMachineImport awaitStatus(String name, String importStatus) throws Exception {
    return awaitStatus(name, importStatus, false);
  }

  VirtualMachineImport awaitStatus(String name, String importStatus, boolean failureExpected)
      throws Exception {
    return await(name, vmi -> importStatus.equals(importStatus(vmi)), failureExpected);
  }

  <S extends CustomResource<?, SourceStatus>> S awaitSource(
      Class<S> kind, String name, Predicate<S> condition) throws Exception {
    Instant deadline = Instant.now().plus(DEADLINE);
    S source = null;
    while (Instant.now().isBefore(deadline)) {
      source = client.resources(kind).inNamespace(NS).withName(name).get();
      if (source != null && condition.test(source)) {
        return source;
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    throw new AssertionError("source did not get there in time: " + describe(source));
  }

  List<String> eventReasons(String name) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .map(io.fabric8.kubernetes.api.model.Event::getReason)
        .toList();
  }

  /** The body of {@code path}, asked on the port that serves it (probes or metrics). */
  String get(VmImportOperator operator, String path) throws Exception {
    return ask(operator, path).body();
  }

  /** {@code path} asked on the port that serves it, answered within 5 s. */
  HttpResponse<String> ask(VmImportOperator operator, String path) throws Exception {
    int port =
        path.equals("/healthz") || path.equals("/readyz")
            ? operator.probePort()
            : operator.httpPort();
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Asserts that each image Harvester downloaded holds the content of one of {@code sources} (raw
   * files), a different one each.
   */
  void assertDownloadsMatch(List<Path> sources) throws Exception {
    List<Path> left = new ArrayList<>(sources);
    for (Path image : harvester.downloaded().values()) {
      List<String> differences = new ArrayList<>();
      Path match = null;
      for (Path raw : left) {
        String difference = difference(image, raw);
        if (difference == null) {
          match = raw;
          break;
        }
        differences.add(difference);
      }
      assertThat(match)
          .as("a source disk with the content of %s; %s", image.getFileName(), differences)
          .isNotNull();
      left.remove(match);
    }
  }

  /** {@code qemu-img compare} of a downloaded image with a raw source disk: null when equal. */
  private static String difference(Path qcow2, Path raw) {
    try {
      Process compare =
          new ProcessBuilder(
                  "qemu-img",
                  "compare",
                  "-f",
                  "qcow2",
                  "-F",
                  "raw",
                  qcow2.toString(),
                  raw.toString())
              .redirectErrorStream(true)
              .start();
      String output = new String(compare.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return compare.waitFor() == 0 ? null : raw.getFileName() + ": " + output.trim();
    } catch (Exception e) {
      throw new AssertionError("qemu-img compare failed to run", e);
    }
  }

  static String importStatus(VirtualMachineImport vmi) {
    return vmi.getStatus() == null || vmi.getStatus().importStatus == null
        ? ""
        : vmi.getStatus().importStatus;
  }

  static String statusOf(CustomResource<?, SourceStatus> source) {
    return source.getStatus() == null ? null : source.getStatus().status;
  }

  static Condition condition(List<Condition> conditions, String type) {
    assertThat(conditions).as("conditions").isNotNull();
    return conditions.stream()
        .filter(c -> type.equals(c.type))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no condition " + type + " in " + describe(conditions)));
  }

  static String describe(Object object) {
    return io.fabric8.kubernetes.client.utils.Serialization.asJson(object);
  }

  @Override
  public void close() {
    watches.forEach(Watch::close);
    harvester.close();
    operatorClients.forEach(KubernetesClient::close);
  }
}
