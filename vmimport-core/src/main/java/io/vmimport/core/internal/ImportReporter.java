package io.vmimport.core.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ImportPhase;
import io.vmimport.api.event.ConditionType;
import io.vmimport.api.event.ImportCondition;
import io.vmimport.api.event.ImportListener;
import io.vmimport.api.model.ImportRef;
import io.vmimport.core.TimeSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one run tells its listener and the log: the phase it is in, conditions, warnings. The parts
 * of a run share one, so that the phase a failure is reported in is the phase the run reached.
 */
final class ImportReporter {
  private static final Logger log = LoggerFactory.getLogger(ImportReporter.class);

  private final ImportRef ref;
  private final ImportListener listener;
  private final TimeSource time;
  private volatile ImportPhase phase = ImportPhase.NEW;

  ImportReporter(ImportRef ref, ImportListener listener, TimeSource time) {
    this.ref = requireNonNull(ref, "ref is null");
    this.listener = requireNonNull(listener, "listener is null");
    this.time = requireNonNull(time, "time is null");
  }

  ImportRef ref() {
    return ref;
  }

  ImportListener listener() {
    return listener;
  }

  ImportPhase phase() {
    return phase;
  }

  void enter(ImportPhase next, String message) {
    phase = next;
    log.info("{}: {} ({})", ref, next, message);
    listener.phaseChanged(ref, next, message);
  }

  void condition(ConditionType type, boolean status, String reason, String message) {
    log.info("{}: condition {}={} {}: {}", ref, type.wireValue(), status, reason, message);
    listener.conditionChanged(ref, new ImportCondition(type, status, reason, message, time.now()));
  }

  /**
   * Tells the user once: through the listener, which shows it (the CLI prints it, the operator
   * makes it an event), or in the log when nobody listens. Logging it at WARN as well printed every
   * warning twice on the CLI's stderr.
   */
  void warn(String message) {
    if (listener == ImportListener.NONE) {
      log.warn("{}: {}", ref, message);
    } else {
      log.info("{}: warning: {}", ref, message);
    }
    listener.warning(ref, message);
  }
}
