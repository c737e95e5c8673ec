package io.vmimport.api;

/**
 * Stable error codes. Each code carries whether retrying the same call can help; {@link
 * VmImportException} may override that for one occurrence.
 */
public enum ErrorCode {
  /** The named VM, datacenter, network, image or other object does not exist. */
  NOT_FOUND(false),
  /** A name matches several objects; the message lists them. */
  NOT_UNIQUE(false),
  /** Credentials were rejected. */
  AUTHENTICATION_FAILED(false),
  /** Credentials are valid but lack a permission. */
  PERMISSION_DENIED(false),
  /** The peer's TLS certificate is not trusted by the configured CA or the system trust store. */
  TLS_UNTRUSTED(false),
  /** The source could not be reached or answered with a server error. */
  SOURCE_UNAVAILABLE(true),
  /** A remote operation did not finish in time. */
  TIMEOUT(true),
  /** The import or source specification is wrong; the message names the field. */
  INVALID_SPEC(false),
  /** The provider does not support what was asked. */
  NOT_SUPPORTED(false),
  /** A quota on the source or target is exhausted. */
  QUOTA_EXCEEDED(false),
  /** Not enough scratch space; the message gives the needed and free bytes. */
  SCRATCH_EXHAUSTED(false),
  /** A disk image could not be converted (corrupt or unsupported input). */
  CONVERSION_FAILED(false),
  /** A disk transfer from the source failed midway. */
  EXPORT_FAILED(true),
  /** The target (Harvester or the output directory) rejected a write. */
  TARGET_FAILED(true),
  /**
   * The target already holds an object under a name the import needs, and the import did not make
   * it; the message names the object. Never retried: someone must rename or delete one of them.
   */
  CONFLICT(false),
  /** The import was cancelled. */
  CANCELLED(false),
  /** Temporary artifacts could not be removed; the message lists them. */
  CLEANUP_FAILED(false),
  /** A defect in vmimport or a provider. */
  INTERNAL(false);

  private final boolean retryable;

  ErrorCode(boolean retryable) {
    this.retryable = retryable;
  }

  /** Whether an error with this code is worth retrying by default. */
  public boolean retryable() {
    return retryable;
  }
}
