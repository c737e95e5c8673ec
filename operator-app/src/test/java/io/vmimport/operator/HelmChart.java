package io.vmimport.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The operator's Helm chart as Helm renders it: helm-java runs Helm's own Go code in this JVM, so
 * the tests see what {@code helm install} would send to a cluster, not the templates' text.
 */
final class HelmChart {
  static final Path DIR = Path.of("..", "charts", "vmimport-operator");
  static final String RELEASE = "vmimport";
  private static final KubernetesSerialization KUBERNETES = new KubernetesSerialization();

  final String namespace;
  final List<HasMetadata> objects;

  private HelmChart(String namespace, List<HasMetadata> objects) {
    this.namespace = namespace;
    this.objects = List.copyOf(objects);
  }

  /** {@code helm template vmimport <chart> -n namespace --set key=value ...}. */
  static HelmChart render(String namespace, Map<String, Object> values) {
    TemplateCommand template = new Helm(DIR).template().withName(RELEASE).withNamespace(namespace);
    values.forEach(template::set);
    String yaml = template.call();
    List<HasMetadata> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> documents =
        new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
      while (documents.hasNext()) {
        JsonNode document = documents.next();
        if (document != null && !document.isEmpty()) {
          objects.add(KUBERNETES.convertValue(document, HasMetadata.class));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("helm template printed what is not YAML:\n" + yaml, e);
    }
    return new HelmChart(namespace, objects);
  }

  /** {@code helm lint --strict}: errors and warnings fail it. */
  static LintResult lint() {
    return new Helm(DIR).lint().strict().call();
  }

  <T extends HasMetadata> List<T> all(Class<T> kind) {
    return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  <T extends HasMetadata> T one(Class<T> kind) {
    List<T> found = all(kind);
    if (found.size() != 1) {
      throw new AssertionError("the chart renders " + found.size() + " " + kind.getSimpleName());
    }
    return found.get(0);
  }

  <T extends HasMetadata> Optional<T> find(Class<T> kind) {
    List<T> found = all(kind);
    return found.isEmpty() ? Optional.empty() : Optional.of(one(kind));
  }

  /** The pod template of the chart's one Deployment: the operator. */
  PodTemplateSpec operatorPod() {
    return one(Deployment.class).getSpec().getTemplate();
  }

  /** The value of the operator container's variable {@code name}; empty when it has none. */
  Optional<String> operatorEnv(String name) {
    return operatorPod().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .map(e -> e.getValue())
        .findFirst();
  }

  /** The ServiceAccount worker Jobs run as ({@code diskWork: jobs}). */
  String workerServiceAccount() {
    return operatorEnv("VMIMPORT_WORKER_SERVICE_ACCOUNT")
        .orElseThrow(() -> new AssertionError("the chart names no worker ServiceAccount"));
  }

  /** The rules granted to the worker Jobs' ServiceAccount. */
  List<Grant> workersGrants() {
    return grantsOf(workerServiceAccount());
  }

  /** The rules granted to the service account the operator's pod runs as. */
  List<Grant> operatorsGrants() {
    return grantsOf(operatorPod().getSpec().getServiceAccountName());
  }

  /**
   * The rules granted to service account {@code serviceAccount} of the release's namespace, each
   * with the namespace it holds in (empty for a ClusterRole bound cluster-wide).
   */
  private List<Grant> grantsOf(String serviceAccount) {
    List<Grant> grants = new ArrayList<>();
    for (ClusterRoleBinding binding : all(ClusterRoleBinding.class)) {
      if (binds(binding.getSubjects(), serviceAccount)) {
        rulesOf(binding.getRoleRef(), Optional.empty())
            .forEach(r -> grants.add(new Grant(Optional.empty(), r)));
      }
    }
    for (RoleBinding binding : all(RoleBinding.class)) {
      if (binds(binding.getSubjects(), serviceAccount)) {
        Optional<String> in = Optional.of(binding.getMetadata().getNamespace());
        rulesOf(binding.getRoleRef(), in).forEach(r -> grants.add(new Grant(in, r)));
      }
    }
    return grants;
  }

  private boolean binds(List<Subject> subjects, String serviceAccount) {
    return subjects.stream()
        .anyMatch(
            s ->
                "ServiceAccount".equals(s.getKind())
                    && serviceAccount.equals(s.getName())
                    && namespace.equals(s.getNamespace()));
  }

  private List<PolicyRule> rulesOf(RoleRef ref, Optional<String> bindingNamespace) {
    if ("ClusterRole".equals(ref.getKind())) {
      return all(ClusterRole.class).stream()
          .filter(r -> r.getMetadata().getName().equals(ref.getName()))
          .findFirst()
          .orElseThrow(() -> new AssertionError("a binding names ClusterRole " + ref.getName()))
          .getRules();
    }
    return all(Role.class).stream()
        .filter(
            r ->
                r.getMetadata().getName().equals(ref.getName())
                    && Optional.of(r.getMetadata().getNamespace()).equals(bindingNamespace))
        .findFirst()
        .orElseThrow(() -> new AssertionError("a RoleBinding names Role " + ref.getName()))
        .getRules();
  }

  /** A rule and where it holds: in one namespace, or everywhere. */
  record Grant(Optional<String> namespace, PolicyRule rule) {
    boolean allows(ApiCall call) {
      return (namespace.isEmpty() || namespace.equals(call.namespace()))
          && matches(rule.getApiGroups(), call.group())
          && matches(rule.getResources(), call.resource())
          && matches(rule.getVerbs(), call.verb())
          && (rule.getResourceNames() == null
              || rule.getResourceNames().isEmpty()
              || call.name().map(rule.getResourceNames()::contains).orElse(false));
    }

    private static boolean matches(List<String> allowed, String value) {
      return allowed != null && (allowed.contains("*") || allowed.contains(value));
    }
  }
}
