package io.vmimport.operator.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vmimport.api.ImportPhase;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's Prometheus metrics: imports by phase, bytes transferred, import durations, source
 * checks.
 */
public final class OperatorMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, ImportPhase> phaseByImport = new ConcurrentHashMap<>();
  private final Counter bytes;
  private final Map<ImportPhase, Counter> transitions = new EnumMap<>(ImportPhase.class);

  public OperatorMetrics() {
    for (ImportPhase phase : ImportPhase.values()) {
      String label = phase == ImportPhase.NEW ? "new" : phase.wireValue();
      Gauge.builder(
              "vmimport_imports",
              phaseByImport,
              map -> map.values().stream().filter(p -> p == phase).count())
          .description("VirtualMachineImports seen by this operator, by status.importStatus")
          .tag("phase", label)
          .register(registry);
      transitions.put(
          phase,
          Counter.builder("vmimport_import_phase_transitions")
              .description("imports that entered a phase")
              .tag("phase", label)
              .register(registry));
    }
    bytes =
        Counter.builder("vmimport_transferred_bytes")
            .description("disk bytes read from sources")
            .baseUnit("bytes")
            .register(registry);
  }

  /** The import (by uid) is in {@code phase}; null forgets it (deleted). */
  void observe(String uid, ImportPhase phase) {
    if (phase == null) {
      phaseByImport.remove(uid);
    } else {
      phaseByImport.put(uid, phase);
    }
  }

  void phaseChanged(String uid, ImportPhase previous, ImportPhase next) {
    observe(uid, next);
    if (previous != next) {
      transitions.get(next).increment();
    }
  }

  void bytesTransferred(long count) {
    if (count > 0) {
      bytes.increment(count);
    }
  }

  /** One run of an import ended: {@code succeeded}, {@code failed}, {@code cancelled}... */
  void runEnded(String outcome, Duration duration) {
    Timer.builder("vmimport_import_run_duration")
        .description("how long one run of an import took, by how it ended")
        .tag("outcome", outcome)
        .register(registry)
        .record(duration);
  }

  /** The Prometheus text exposition of every metric. */
  public String scrape() {
    return registry.scrape();
  }
}
