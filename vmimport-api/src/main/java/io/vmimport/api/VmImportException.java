package io.vmimport.api;

import static java.util.Objects.requireNonNull;

/**
 * The one exception type of vmimport. Providers translate their SDK's exceptions into it at their
 * boundary, keeping the original as the cause; core decides retries from {@link #retryable()}.
 * Messages say what to fix and never contain credentials.
 */
public class VmImportException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final boolean retryable;

  public VmImportException(ErrorCode code, String message) {
    this(code, message, null, code.retryable());
  }

  public VmImportException(ErrorCode code, String message, Throwable cause) {
    this(code, message, cause, code.retryable());
  }

  public VmImportException(ErrorCode code, String message, Throwable cause, boolean retryable) {
    super(requireNonNull(message, "message is null"), cause);
    this.code = requireNonNull(code, "code is null");
    this.retryable = retryable;
  }

  public ErrorCode code() {
    return code;
  }

  public boolean retryable() {
    return retryable;
  }

  @Override
  public String toString() {
    return code + ": " + getMessage();
  }
}
