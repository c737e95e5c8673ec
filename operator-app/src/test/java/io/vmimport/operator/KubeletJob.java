package io.vmimport.operator;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import java.time.Instant;
import java.util.Optional;

/** A Job of {@link TestKubelet}: its counts of runs and pods, and the status it reports. */
final class KubeletJob {
  final String namespace;
  final String name;
  final String uid;
  final Instant startTime = Instant.now();
  Job job;
  boolean deleting;
  boolean unsupported;
  int failures; // failed runs, counted against backoffLimit
  int failedPods;
  int succeededPods;
  Optional<Instant> completionTime = Optional.empty();
  Optional<JobCondition> finished = Optional.empty();
  JobStatus published;

  KubeletJob(Job job) {
    this.job = job;
    this.namespace = job.getMetadata().getNamespace();
    this.name = job.getMetadata().getName();
    this.uid = job.getMetadata().getUid();
  }

  JobStatus status(int active, int ready) {
    return new JobStatusBuilder()
        .withActive(active == 0 ? null : active)
        .withReady(ready)
        .withSucceeded(succeededPods == 0 ? null : succeededPods)
        .withFailed(failedPods == 0 ? null : failedPods)
        .withStartTime(KubeletPod.time(startTime))
        .withCompletionTime(completionTime.map(KubeletPod::time).orElse(null))
        .withConditions(finished.stream().toList())
        .build();
  }

  int backoffLimit() {
    return Optional.ofNullable(job.getSpec().getBackoffLimit()).orElse(6);
  }

  static JobCondition condition(String type, String reason, String message) {
    JobCondition condition = new JobCondition();
    condition.setType(type);
    condition.setStatus("True");
    condition.setReason(reason);
    condition.setMessage(message);
    condition.setLastProbeTime(KubeletPod.time(Instant.now()));
    condition.setLastTransitionTime(KubeletPod.time(Instant.now()));
    return condition;
  }
}
