package io.vmimport.api.source;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import java.util.Optional;

/**
 * A finding of validation or preflight.
 *
 * @param field the spec field at fault, e.g. {@code spec.networkMapping[1].destinationNetwork}
 */
public record ValidationIssue(
    Severity severity, ErrorCode code, String message, Optional<String> field) {
  public enum Severity {
    /** The import (or source) cannot proceed. */
    ERROR,
    /** Worth telling the user; the import proceeds. */
    WARNING
  }

  public ValidationIssue {
    requireNonNull(severity, "severity is null");
    requireNonNull(code, "code is null");
    requireNonNull(message, "message is null");
    requireNonNull(field, "field is null");
  }

  public static ValidationIssue error(ErrorCode code, String message) {
    return new ValidationIssue(Severity.ERROR, code, message, Optional.empty());
  }

  public static ValidationIssue error(ErrorCode code, String field, String message) {
    return new ValidationIssue(Severity.ERROR, code, message, Optional.of(field));
  }

  public static ValidationIssue warning(ErrorCode code, String message) {
    return new ValidationIssue(Severity.WARNING, code, message, Optional.empty());
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  @Override
  public String toString() {
    return field.map(f -> f + ": " + message).orElse(message);
  }
}
