package io.vmimport.api.source;

import io.vmimport.api.model.ImportSpec;
import java.util.List;

/**
 * Checks a source and an import against it. Returns issues for a user's mistakes instead of
 * throwing; throws only when the check itself cannot run (the source is unreachable).
 */
public interface SourceValidator {
  /**
   * Whether the source is reachable and correctly configured: what decides {@code clusterReady}. An
   * empty list means ready.
   *
   * @throws io.vmimport.api.VmImportException {@code SOURCE_UNAVAILABLE} (retryable) when the
   *     source cannot be reached, so that callers know to check again later
   */
  List<ValidationIssue> checkSource();

  /**
   * Preflight checks for one import: the VM exists and is unique, its networks exist, it can be
   * powered off. Skipped when {@code skipPreflightChecks} is set.
   */
  List<ValidationIssue> preflight(ImportSpec spec);
}
