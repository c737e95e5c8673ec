package io.vmimport.api.model;

import static java.util.Objects.requireNonNull;

/** Everything one import needs: its identity, its spec and its resolved source. */
public record ImportRequest(ImportRef ref, ImportSpec spec, SourceSpec source) {
  public ImportRequest {
    requireNonNull(ref, "ref is null");
    requireNonNull(spec, "spec is null");
    requireNonNull(source, "source is null");
  }
}
