package io.vmimport.api.event;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** One import condition; the operator writes it to {@code status.importConditions[]}. */
public record ImportCondition(
    ConditionType type, boolean status, String reason, String message, Instant time) {
  public ImportCondition {
    requireNonNull(type, "type is null");
    requireNonNull(reason, "reason is null");
    requireNonNull(message, "message is null");
    requireNonNull(time, "time is null");
  }
}
