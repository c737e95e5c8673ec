package io.vmimport.operator;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * A pod of {@link TestKubelet}: what it knows of the pod's container, and the status it reports.
 */
final class KubeletPod {
  final KubeletJob job;
  final Pod pod;
  final Optional<String> unschedulable;
  final Instant created = Instant.now();
  PodSandbox sandbox;
  volatile Process process;
  String phase = "Pending";
  String reason;
  String message;
  ContainerState state = waiting("ContainerCreating", null);
  ContainerState lastState = new ContainerState();
  boolean ready;
  Instant readyChanged = created;
  int restartCount;
  Instant startedAt;
  long logOffset;
  String stopReason; // why this kubelet ends the pod: Evicted, DeadlineExceeded, ...
  String stopMessage;
  boolean deleting;
  boolean needsStart;
  PodStatus published;

  KubeletPod(KubeletJob job, Pod pod, Optional<String> unschedulable) {
    this.job = job;
    this.pod = pod;
    this.unschedulable = unschedulable;
  }

  String key() {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  boolean active() {
    return !deleting && (phase.equals("Pending") || phase.equals("Running"));
  }

  PodStatus status() {
    PodStatusBuilder status =
        new PodStatusBuilder()
            .withPhase(phase)
            .withReason(reason)
            .withMessage(message)
            .withQosClass("BestEffort");
    if (unschedulable.isPresent()) {
      return status
          .withConditions(
              podCondition("PodScheduled", false, "Unschedulable", unschedulable.get(), created))
          .build();
    }
    String notReady =
        ready ? null : phase.equals("Succeeded") ? "PodCompleted" : "ContainersNotReady";
    status.withConditions(
        podCondition("PodScheduled", true, null, null, created),
        podCondition("Initialized", true, null, null, created),
        podCondition("ContainersReady", ready, notReady, null, readyChanged),
        podCondition("Ready", ready, notReady, null, readyChanged));
    status
        .withHostIP("127.0.0.1")
        .withHostIPs(new HostIP("127.0.0.1"))
        .withStartTime(time(created));
    if (sandbox != null) {
      status.withPodIP(sandbox.ip).withPodIPs(new PodIP(sandbox.ip));
    }
    var container = pod.getSpec().getContainers().get(0);
    return status
        .withContainerStatuses(
            new ContainerStatusBuilder()
                .withName(container.getName())
                .withImage(container.getImage())
                .withImageID("")
                .withReady(ready)
                .withStarted(state.getRunning() != null)
                .withRestartCount(restartCount)
                .withState(state)
                .withLastState(lastState)
                .build())
        .build();
  }

  static ContainerState waiting(String reason, String message) {
    return new ContainerStateBuilder()
        .withNewWaiting()
        .withReason(reason)
        .withMessage(message)
        .endWaiting()
        .build();
  }

  private static PodCondition podCondition(
      String type, boolean status, String reason, String message, Instant since) {
    PodCondition condition = new PodCondition();
    condition.setType(type);
    condition.setStatus(status ? "True" : "False");
    condition.setReason(reason);
    condition.setMessage(message);
    condition.setLastTransitionTime(time(since));
    return condition;
  }

  static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
