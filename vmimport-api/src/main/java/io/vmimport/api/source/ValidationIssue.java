package io.vmimport.api.source;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import java.util.List;
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

  /**
   * The code an import stops with when validation found these issues: the code of the one error,
   * {@link ErrorCode#INVALID_SPEC} for several, empty when none is an error. Anything that reports
   * a validation result (the engine, a command's exit code) uses this one rule.
   */
  public static Optional<ErrorCode> failureCode(List<ValidationIssue> issues) {
    List<ValidationIssue> errors = issues.stream().filter(ValidationIssue::isError).toList();
    if (errors.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(errors.size() == 1 ? errors.get(0).code() : ErrorCode.INVALID_SPEC);
  }

  @Override
  public String toString() {
    return field.map(f -> f + ": " + message).orElse(message);
  }
}
