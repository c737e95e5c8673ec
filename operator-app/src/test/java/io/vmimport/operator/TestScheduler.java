package io.vmimport.operator;

import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.vmimport.operator.TestKubelet.Node;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * The scheduler of {@link TestKubelet}: which of its nodes a pod fits (nodeSelector, required node
 * affinity, taints and tolerations), and among those the one running the fewest pods, as a spread
 * constraint over {@code kubernetes.io/hostname} would choose.
 */
final class TestScheduler {

  /** The pod fits no node, or asks for what this scheduler cannot decide. */
  static final class Unschedulable extends Exception {
    Unschedulable(String message) {
      super(message);
    }
  }

  private final List<Node> nodes;

  TestScheduler(List<Node> nodes) {
    this.nodes = List.copyOf(nodes);
    if (this.nodes.isEmpty()) {
      throw new IllegalArgumentException("a test kubelet needs at least one node");
    }
  }

  List<Node> nodes() {
    return nodes;
  }

  /**
   * The fitting node running the fewest pods ({@code runningPods}), the first such in node order.
   *
   * @throws Unschedulable naming why no node fits
   * @throws PodSpecNotSimulated for a node affinity operator this scheduler lacks
   */
  Node schedule(PodSpec spec, ToIntFunction<Node> runningPods) throws Unschedulable {
    Map<String, Integer> rejections = new LinkedHashMap<>();
    List<Node> fitting = new ArrayList<>();
    for (Node node : nodes) {
      Optional<String> rejection = rejection(spec, node);
      rejection.ifPresentOrElse(r -> rejections.merge(r, 1, Integer::sum), () -> fitting.add(node));
    }
    if (fitting.isEmpty()) {
      List<String> reasons = new ArrayList<>();
      rejections.forEach((reason, count) -> reasons.add(count + " node(s) " + reason));
      throw new Unschedulable(
          "0/" + nodes.size() + " nodes are available: " + String.join(", ", reasons) + ".");
    }
    Node best = fitting.get(0);
    for (Node node : fitting) {
      if (runningPods.applyAsInt(node) < runningPods.applyAsInt(best)) {
        best = node;
      }
    }
    return best;
  }

  private static Optional<String> rejection(PodSpec spec, Node node) {
    Map<String, String> selector = Optional.ofNullable(spec.getNodeSelector()).orElse(Map.of());
    for (Map.Entry<String, String> wanted : selector.entrySet()) {
      if (!wanted.getValue().equals(node.labels().get(wanted.getKey()))) {
        return Optional.of("didn't match Pod's node selector " + selector);
      }
    }
    List<NodeSelectorTerm> terms = requiredTerms(spec);
    if (!terms.isEmpty() && terms.stream().noneMatch(term -> matches(term, node))) {
      return Optional.of("didn't match Pod's node affinity " + describe(terms));
    }
    List<Toleration> tolerations = Optional.ofNullable(spec.getTolerations()).orElse(List.of());
    for (Taint taint : node.taints()) {
      if (!"PreferNoSchedule".equals(taint.getEffect())
          && tolerations.stream().noneMatch(t -> tolerates(t, taint))) {
        return Optional.of(
            "had untolerated taint {" + taint.getKey() + ": " + taint.getValue() + "}");
      }
    }
    return Optional.empty();
  }

  private static List<NodeSelectorTerm> requiredTerms(PodSpec spec) {
    if (spec.getAffinity() == null
        || spec.getAffinity().getNodeAffinity() == null
        || spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
            == null) {
      return List.of();
    }
    return spec.getAffinity()
        .getNodeAffinity()
        .getRequiredDuringSchedulingIgnoredDuringExecution()
        .getNodeSelectorTerms();
  }

  /** Every expression of a term holds (a term lists labels, or the node's name as a field). */
  private static boolean matches(NodeSelectorTerm term, Node node) {
    for (NodeSelectorRequirement expression : nullSafe(term.getMatchExpressions())) {
      if (!holds(expression, node.labels().get(expression.getKey()))) {
        return false;
      }
    }
    for (NodeSelectorRequirement field : nullSafe(term.getMatchFields())) {
      if (!"metadata.name".equals(field.getKey())) {
        throw new PodSpecNotSimulated(
            "node affinity matchFields key '" + field.getKey() + "': only metadata.name exists");
      }
      if (!holds(field, node.name())) {
        return false;
      }
    }
    return true;
  }

  private static boolean holds(NodeSelectorRequirement expression, String value) {
    List<String> values = nullSafe(expression.getValues());
    return switch (expression.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      default ->
          throw new PodSpecNotSimulated(
              "node affinity operator '"
                  + expression.getOperator()
                  + "' (key "
                  + expression.getKey()
                  + "): the test kubelet knows In, NotIn, Exists and DoesNotExist");
    };
  }

  private static boolean tolerates(Toleration toleration, Taint taint) {
    if (toleration.getEffect() != null
        && !toleration.getEffect().isEmpty()
        && !toleration.getEffect().equals(taint.getEffect())) {
      return false;
    }
    if ("Exists".equals(toleration.getOperator())) {
      return toleration.getKey() == null
          || toleration.getKey().isEmpty()
          || toleration.getKey().equals(taint.getKey());
    }
    return Objects.equals(toleration.getKey(), taint.getKey())
        && Objects.equals(
            Optional.ofNullable(toleration.getValue()).orElse(""),
            Optional.ofNullable(taint.getValue()).orElse(""));
  }

  private static String describe(List<NodeSelectorTerm> terms) {
    List<String> described = new ArrayList<>();
    for (NodeSelectorTerm term : terms) {
      List<String> expressions = new ArrayList<>();
      for (NodeSelectorRequirement e : nullSafe(term.getMatchExpressions())) {
        expressions.add(e.getKey() + " " + e.getOperator() + " " + nullSafe(e.getValues()));
      }
      for (NodeSelectorRequirement e : nullSafe(term.getMatchFields())) {
        expressions.add(e.getKey() + " " + e.getOperator() + " " + nullSafe(e.getValues()));
      }
      described.add(String.join(" and ", expressions));
    }
    return "[" + String.join(" or ", described) + "]";
  }

  private static <T> List<T> nullSafe(List<T> list) {
    return list == null ? List.of() : list;
  }
}
