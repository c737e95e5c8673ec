package io.vmimport.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.vmimport.operator.internal.WorkerJobSpec;
import io.vmimport.target.harvester.ImageServerConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart, rendered by Helm, against the code it deploys. Whether its RBAC grants what the
 * operator calls is checked by the operator's end-to-end tests, on the calls they record.
 */
class HelmChartTest {
  private static final String NAMESPACE = "harvester-system";
  private static final Path GENERATED = Path.of("target", "classes", "META-INF", "fabric8");

  @Test
  void helmLintFindsNothingToFix() {
    LintResult lint = HelmChart.lint();
    assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
    assertThat(lint.getMessages()).allMatch(m -> m.startsWith("[INFO]"));
  }

  @Test
  void chartCrdsAreTheGeneratedOnes() throws IOException {
    Set<String> generated = names(GENERATED);
    assertThat(generated).hasSize(4);
    assertThat(names(HelmChart.DIR.resolve("crds"))).isEqualTo(generated);
    for (String name : generated) {
      assertThat(Files.readString(HelmChart.DIR.resolve("crds").resolve(name)))
          .as("charts/vmimport-operator/crds/%s: copy it from %s again", name, GENERATED)
          .isEqualTo(Files.readString(GENERATED.resolve(name)));
    }
  }

  @Test
  void theOperatorReadsEveryValueTheChartIsGiven() {
    Map<String, Object> values =
        new HashMap<>(
            Map.of(
                "watchNamespaces[0]", "team-a",
                "watchNamespaces[1]", "team-b",
                "maxConcurrentImports", 7,
                "maxParallelDisks", 3,
                "allowCrossNamespaceSecrets", true,
                "sourceRecheckSeconds", 60,
                "statusIntervalMillis", 1000,
                "service.port", 9090,
                "metricsPort", 9091,
                "probePort", 9092));
    values.putAll(
        Map.of(
            "allowCrossNamespaceSources", true,
            "maxExportsPerSourceHost", 2,
            "imageServer.maxConnections", 17,
            "imageServer.requestTimeoutSeconds", 11,
            "imageServer.sendTimeoutSeconds", 99));
    HelmChart chart = HelmChart.render(NAMESPACE, values);
    Container operator = container(chart);

    OperatorConfig config = OperatorConfig.fromEnvironment(environment(operator));

    assertThat(config.namespaces()).containsExactlyInAnyOrder("team-a", "team-b");
    assertThat(config.maxConcurrentImports()).isEqualTo(7);
    assertThat(config.maxParallelDisks()).isEqualTo(3);
    assertThat(config.maxExportsPerSourceHost()).isEqualTo(2);
    assertThat(config.allowCrossNamespaceSecrets()).isTrue();
    assertThat(config.allowCrossNamespaceSources()).isTrue();
    assertThat(config.sourceRecheckInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.statusInterval()).isEqualTo(Duration.ofMillis(1000));
    assertThat(config.scratchDir()).isEqualTo(Path.of(scratchMount(operator)));
    assertThat(config.imageServerLimits())
        .isEqualTo(
            new ImageServerConfig.Limits(17, Duration.ofSeconds(11), Duration.ofSeconds(99)));
    assertThat(config.leaderElection())
        .as("the Lease lives in the release's namespace")
        .contains(NAMESPACE);
    // Harvester downloads from the Service, which leads to the port the image server binds
    Service service = chart.one(Service.class);
    assertThat(config.imageServerUrl())
        .contains(URI.create("http://harvester-vm-import-controller." + NAMESPACE + ".svc:9090"));
    assertThat(service.getMetadata().getName()).isEqualTo("harvester-vm-import-controller");
    assertThat(containerPort(operator, servicePort(service, 9090).getTargetPort().getStrVal()))
        .isEqualTo(config.imageServerBind().getPort());
    assertThat(containerPort(operator, servicePort(service, 9091).getTargetPort().getStrVal()))
        .isEqualTo(config.httpPort());
    assertThat(service.getSpec().getSelector())
        .isEqualTo(chart.operatorPod().getMetadata().getLabels());
    assertProbesOnAPortOfTheirOwn(chart, config, 9092);
  }

  @Test
  void diskWorkInProcessIsTheDefaultAndRendersNoWorker() {
    HelmChart chart = HelmChart.render(NAMESPACE, Map.of());
    OperatorConfig config = OperatorConfig.fromEnvironment(environment(container(chart)));
    assertThat(config.diskWorkers()).isEmpty();
    assertThat(chart.all(ServiceAccount.class))
        .extracting(a -> a.getMetadata().getName())
        .noneMatch(name -> name.endsWith("-worker"));
    assertThat(chart.operatorsGrants())
        .as("the operator may not make Jobs when it runs no workers")
        .noneMatch(g -> g.rule().getResources().contains("jobs"));
  }

  @Test
  void diskWorkJobsGivesTheWorkersAnAccountWithoutRightsAndTheOperatorJobsInItsNamespace() {
    HelmChart chart =
        HelmChart.render(
            NAMESPACE,
            Map.of(
                "diskWork", "jobs",
                "worker.retries", 5,
                "worker.scratchStorageClass", "longhorn-local",
                "worker.nodeSelector.vmimport\\.io/workers", "true",
                "worker.tolerations[0].key", "dedicated",
                "worker.tolerations[0].operator", "Exists",
                "image.tag", "1.2.3"));
    OperatorConfig config = OperatorConfig.fromEnvironment(environment(container(chart)));
    WorkerJobSpec.Settings workers = config.diskWorkers().orElseThrow();
    assertThat(workers.namespace()).isEqualTo(NAMESPACE);
    assertThat(workers.image())
        .as("the workers run the operator's own image")
        .isEqualTo(container(chart).getImage())
        .endsWith(":1.2.3");
    assertThat(workers.command()).isEqualTo(OperatorConfig.WORKER_COMMAND);
    assertThat(workers.retries()).isEqualTo(5);
    assertThat(workers.scratchStorageClass()).contains("longhorn-local");
    assertThat(workers.placement().nodeSelector()).containsEntry("vmimport.io/workers", "true");
    assertThat(workers.placement().tolerations())
        .singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
    assertThat(workers.resources().getLimits()).containsKey("memory");

    ServiceAccount worker =
        chart.all(ServiceAccount.class).stream()
            .filter(a -> a.getMetadata().getName().equals(workers.serviceAccount()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no ServiceAccount " + workers.serviceAccount()));
    assertThat(worker.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(worker.getAutomountServiceAccountToken()).isFalse();
    assertThat(chart.workersGrants()).as("what the workers may do in the cluster").isEmpty();
    List<HelmChart.Grant> jobs =
        chart.operatorsGrants().stream()
            .filter(g -> g.rule().getResources().contains("jobs"))
            .toList();
    assertThat(jobs)
        .singleElement()
        .satisfies(g -> assertThat(g.namespace()).as("where").contains(NAMESPACE));
  }

  @Test
  void theProbesUseAPortTheServiceDoesNotPublish() {
    HelmChart chart = HelmChart.render(NAMESPACE, Map.of());
    OperatorConfig config = OperatorConfig.fromEnvironment(environment(container(chart)));
    assertProbesOnAPortOfTheirOwn(chart, config, 8082);
    assertThat(publishedContainerPorts(chart))
        .as("what the Service leads to: images and metrics")
        .containsExactlyInAnyOrder(config.imageServerBind().getPort(), config.httpPort());
  }

  /**
   * The probes ask the endpoints the operator serves, on the port it serves them on, which the
   * Service does not publish: its clients (image downloads, scrapes, anything in the cluster) must
   * not be able to crowd the kubelet out.
   */
  private static void assertProbesOnAPortOfTheirOwn(
      HelmChart chart, OperatorConfig config, int probePort) {
    Container operator = container(chart);
    assertThat(config.probePort()).isEqualTo(probePort).isNotEqualTo(config.httpPort());
    assertThat(operator.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(operator.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    for (Probe probe : List.of(operator.getLivenessProbe(), operator.getReadinessProbe())) {
      assertThat(containerPort(operator, probe.getHttpGet().getPort().getStrVal()))
          .as("the port %s probes", probe.getHttpGet().getPath())
          .isEqualTo(config.probePort());
    }
    assertThat(publishedContainerPorts(chart))
        .as("container ports the Service leads to")
        .doesNotContain(config.probePort());
  }

  /** The container ports the Service's ports lead to, names resolved. */
  private static List<Integer> publishedContainerPorts(HelmChart chart) {
    Container operator = container(chart);
    return chart.one(Service.class).getSpec().getPorts().stream()
        .map(ServicePort::getTargetPort)
        .map(t -> t.getStrVal() != null ? containerPort(operator, t.getStrVal()) : t.getIntVal())
        .toList();
  }

  @Test
  void everyVariableTheDeploymentSetsIsReadByTheOperator() throws IOException {
    Set<String> set = new TreeSet<>();
    for (EnvVar variable : container(HelmChart.render(NAMESPACE, Map.of())).getEnv()) {
      set.add(variable.getName());
    }
    // the log level is read by logback.xml, the namespace by OperatorConfig for the Lease
    assertThat(set.remove("VMIMPORT_LOG_LEVEL")).isTrue();
    assertThat(Files.readString(Path.of("src/main/resources/logback.xml")))
        .contains("${VMIMPORT_LOG_LEVEL");
    assertThat(set.remove("POD_NAMESPACE")).isTrue();
    assertThat(OperatorConfig.VARIABLES).containsAll(set);
  }

  @Test
  void leaderElectionCanBeSwitchedOff() {
    HelmChart chart = HelmChart.render(NAMESPACE, Map.of("leaderElection", false));
    assertThat(OperatorConfig.fromEnvironment(environment(container(chart))).leaderElection())
        .isEmpty();
  }

  @Test
  void scratchIsAnEmptyDirUnlessTheAddOnsPvcIsEnabled() {
    HelmChart chart = HelmChart.render(NAMESPACE, Map.of());
    assertThat(chart.find(PersistentVolumeClaim.class)).isEmpty();
    assertThat(scratchVolume(chart).getEmptyDir()).isNotNull();
  }

  @Test
  void theScratchPvcGetsTheStorageClassTheAddOnValueNames() {
    HelmChart chart =
        HelmChart.render(
            NAMESPACE,
            Map.of(
                "pvcClaim.enabled", true,
                "pvcClaim.size", "300Gi",
                "pvcClaim.storageClassName", "longhorn-scratch"));
    PersistentVolumeClaim pvc = chart.one(PersistentVolumeClaim.class);
    assertThat(pvc.getSpec().getStorageClassName()).isEqualTo("longhorn-scratch");
    assertThat(pvc.getSpec().getResources().getRequests().get("storage").toString())
        .isEqualTo("300Gi");
    assertThat(pvc.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(scratchVolume(chart).getPersistentVolumeClaim().getClaimName())
        .isEqualTo(pvc.getMetadata().getName());
  }

  @Test
  void anEmptyStorageClassUsesTheClustersDefaultAndADashAsksForNone() {
    Map<String, Object> enabled = new HashMap<>(Map.of("pvcClaim.enabled", true));
    assertThat(
            HelmChart.render(NAMESPACE, enabled)
                .one(PersistentVolumeClaim.class)
                .getSpec()
                .getStorageClassName())
        .as("no storageClassName: the cluster's default class")
        .isNull();
    enabled.put("pvcClaim.storageClassName", "-");
    assertThat(
            HelmChart.render(NAMESPACE, enabled)
                .one(PersistentVolumeClaim.class)
                .getSpec()
                .getStorageClassName())
        .as("\"\": no class, a pre-bound volume")
        .isEmpty();
  }

  @Test
  void rbacIsBoundToTheOperatorsOwnAccountWithoutWildcards() {
    HelmChart chart = HelmChart.render(NAMESPACE, Map.of());
    String account = chart.operatorPod().getSpec().getServiceAccountName();
    assertThat(chart.one(ServiceAccount.class).getMetadata().getName()).isEqualTo(account);
    assertThat(chart.operatorsGrants()).isNotEmpty();
    Stream.concat(
            chart.all(ClusterRole.class).stream().flatMap(r -> r.getRules().stream()),
            chart.all(Role.class).stream().flatMap(r -> r.getRules().stream()))
        .forEach(
            (PolicyRule rule) ->
                assertThat(
                        Stream.of(rule.getApiGroups(), rule.getResources(), rule.getVerbs())
                            .flatMap(l -> l.stream()))
                    .as("rule %s", rule)
                    .doesNotContain("*"));
    // the Lease is the only thing written in the release's namespace alone
    assertThat(chart.operatorsGrants())
        .filteredOn(g -> g.namespace().isPresent())
        .allSatisfy(
            g -> {
              assertThat(g.namespace()).contains(NAMESPACE);
              assertThat(g.rule().getResources()).containsExactly("leases");
            });
  }

  @Test
  void withWatchNamespacesSecretsAreReadableInThoseNamespacesAlone() {
    HelmChart chart =
        HelmChart.render(
            NAMESPACE, Map.of("watchNamespaces[0]", "team-a", "watchNamespaces[1]", "team-b"));
    List<HelmChart.Grant> grants = chart.operatorsGrants();

    for (String verb : List.of("get", "list", "watch")) {
      for (String watched : List.of("team-a", "team-b")) {
        assertThat(allowed(grants, verb, "", "secrets", Optional.of(watched)))
            .as("%s secrets in %s", verb, watched)
            .isTrue();
      }
      for (Optional<String> elsewhere :
          List.of(Optional.of("team-c"), Optional.of(NAMESPACE), Optional.<String>empty())) {
        assertThat(allowed(grants, verb, "", "secrets", elsewhere))
            .as("%s secrets in %s", verb, elsewhere.orElse("all namespaces"))
            .isFalse();
      }
    }
    assertThat(chart.all(ClusterRole.class))
        .flatExtracting(ClusterRole::getRules)
        .as("cluster-wide rules")
        .noneMatch(r -> r.getResources().contains("secrets"));
    // what an import does, in a watched namespace only
    assertThat(
            allowed(grants, "patch", GROUP, "virtualmachineimports/status", Optional.of("team-b")))
        .isTrue();
    assertThat(allowed(grants, "watch", GROUP, "virtualmachineimports", Optional.of("team-c")))
        .isFalse();
    assertThat(allowed(grants, "create", "kubevirt.io", "virtualmachines", Optional.of("team-a")))
        .isTrue();
    assertThat(allowed(grants, "create", "kubevirt.io", "virtualmachines", Optional.of("team-c")))
        .isFalse();
    // what has no namespace stays cluster-wide
    assertThat(allowed(grants, "get", "storage.k8s.io", "storageclasses", Optional.empty()))
        .isTrue();
    assertThat(chart.all(Role.class))
        .extracting(r -> r.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("team-a", "team-b", NAMESPACE);
  }

  @Test
  void withoutWatchNamespacesTheOperatorReadsSecretsEverywhere() {
    List<HelmChart.Grant> grants = HelmChart.render(NAMESPACE, Map.of()).operatorsGrants();
    assertThat(allowed(grants, "watch", "", "secrets", Optional.empty())).isTrue();
    assertThat(allowed(grants, "patch", GROUP, "virtualmachineimports/status", Optional.of("x")))
        .isTrue();
  }

  @Test
  void pluginSourceKindsAreWatchedAndTheirStatusWrittenWhereTheChartSaysSo() {
    assertThat(
            allowed(
                HelmChart.render(NAMESPACE, Map.of()).operatorsGrants(),
                "watch",
                GROUP,
                "directorysources",
                Optional.empty()))
        .as("no plugin kind without the value")
        .isFalse();
    for (Map<String, Object> values :
        List.<Map<String, Object>>of(
            Map.of("pluginSourceResources[0]", "directorysources"),
            Map.of(
                "pluginSourceResources[0]", "directorysources",
                "watchNamespaces[0]", "team-a"))) {
      List<HelmChart.Grant> grants = HelmChart.render(NAMESPACE, values).operatorsGrants();
      Optional<String> in =
          values.containsKey("watchNamespaces[0]") ? Optional.of("team-a") : Optional.empty();
      for (String verb : List.of("get", "list", "watch")) {
        assertThat(allowed(grants, verb, GROUP, "directorysources", in)).as("%s", verb).isTrue();
      }
      assertThat(allowed(grants, "patch", GROUP, "directorysources/status", in)).isTrue();
      // the operator writes a source's status, never the source
      assertThat(allowed(grants, "patch", GROUP, "directorysources", in)).isFalse();
      assertThat(allowed(grants, "delete", GROUP, "directorysources", in)).isFalse();
      assertThat(allowed(grants, "watch", "example.com", "directorysources", in)).isFalse();
      // whether its CRD is installed, and no other CRD
      assertThat(
              grants.stream()
                  .anyMatch(
                      g ->
                          g.allows(
                              new ApiCall(
                                  "get",
                                  "apiextensions.k8s.io",
                                  "customresourcedefinitions",
                                  Optional.empty(),
                                  Optional.of("directorysources." + GROUP)))))
          .isTrue();
      assertThat(
              grants.stream()
                  .anyMatch(
                      g ->
                          g.allows(
                              new ApiCall(
                                  "get",
                                  "apiextensions.k8s.io",
                                  "customresourcedefinitions",
                                  Optional.empty(),
                                  Optional.of("virtualmachines.kubevirt.io")))))
          .isFalse();
    }
  }

  @Test
  void thePodRunsRestrictedAsTheImagesNonRootUser() throws IOException {
    HelmChart chart = HelmChart.render(NAMESPACE, Map.of());
    PodSpec pod = chart.operatorPod().getSpec();
    Container operator = container(chart);

    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
    assertThat(pod.getSecurityContext().getFsGroup()).isPositive();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    SecurityContext container = operator.getSecurityContext();
    assertThat(container.getRunAsNonRoot()).isTrue();
    assertThat(container.getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(container.getPrivileged()).isNotEqualTo(Boolean.TRUE);
    assertThat(container.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(container.getReadOnlyRootFilesystem()).isTrue();

    // the read-only root leaves the JVM /tmp and the import its scratch, both volumes
    assertThat(mountedVolume(pod, operator, "/tmp").getEmptyDir()).isNotNull();
    assertThat(mountedVolume(pod, operator, "/scratch")).isNotNull();

    // the image runs as the user the chart names, one the image has
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    String uid = String.valueOf(pod.getSecurityContext().getRunAsUser());
    assertThat(dockerfile)
        .contains("USER " + uid + ":" + pod.getSecurityContext().getRunAsGroup())
        .contains("useradd --uid " + uid);
  }

  private static final String GROUP = "migration.harvesterhci.io";

  private static boolean allowed(
      List<HelmChart.Grant> grants,
      String verb,
      String group,
      String resource,
      Optional<String> namespace) {
    ApiCall call = new ApiCall(verb, group, resource, namespace, Optional.empty());
    return grants.stream().anyMatch(g -> g.allows(call));
  }

  private static Volume mountedVolume(PodSpec pod, Container container, String path) {
    String name =
        container.getVolumeMounts().stream()
            .filter(m -> m.getMountPath().equals(path))
            .findFirst()
            .orElseThrow(() -> new AssertionError("nothing is mounted at " + path))
            .getName();
    return pod.getVolumes().stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + name));
  }

  private static Container container(HelmChart chart) {
    return chart.operatorPod().getSpec().getContainers().get(0);
  }

  /** The container's environment as the kubelet gives it (the downward API's namespace). */
  private static Map<String, String> environment(Container container) {
    Map<String, String> env = new HashMap<>();
    for (EnvVar variable : container.getEnv()) {
      if (variable.getValueFrom() != null) {
        assertThat(variable.getValueFrom().getFieldRef().getFieldPath())
            .isEqualTo("metadata.namespace");
        env.put(variable.getName(), NAMESPACE);
      } else {
        env.put(variable.getName(), Optional.ofNullable(variable.getValue()).orElse(""));
      }
    }
    return env;
  }

  private static String scratchMount(Container container) {
    return container.getVolumeMounts().stream()
        .filter(m -> m.getName().equals("scratch"))
        .findFirst()
        .orElseThrow()
        .getMountPath();
  }

  private static Volume scratchVolume(HelmChart chart) {
    PodSpec pod = chart.operatorPod().getSpec();
    return pod.getVolumes().stream()
        .filter(v -> v.getName().equals("scratch"))
        .findFirst()
        .orElseThrow();
  }

  private static int containerPort(Container container, String name) {
    return container.getPorts().stream()
        .filter(p -> name.equals(p.getName()))
        .map(ContainerPort::getContainerPort)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no container port named " + name));
  }

  private static ServicePort servicePort(Service service, int port) {
    return service.getSpec().getPorts().stream()
        .filter(p -> p.getPort() == port)
        .findFirst()
        .orElseThrow(() -> new AssertionError("the Service has no port " + port));
  }

  private static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(f -> f.getFileName().toString())
          .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }
  }
}
