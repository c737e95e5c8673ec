package io.vmimport.api.source;

import io.vmimport.api.Capability;
import io.vmimport.api.model.SourceSpec;
import java.util.Set;

/**
 * Entry point of a source provider, found with {@link java.util.ServiceLoader}: a jar lists its
 * implementation in {@code META-INF/services/io.vmimport.api.source.SourceProvider}. Instances must
 * have a public no-argument constructor and be thread-safe.
 */
public interface SourceProvider {
  /**
   * The source kind this provider serves, lowercase, e.g. {@code vmware} for {@code VmwareSource}.
   * Unique among the providers on the class path.
   */
  String kind();

  /** Optional abilities of this provider; see {@link Capability}. */
  Set<Capability> capabilities();

  /**
   * Opens a session against one source. May log in. Fails with a {@link
   * io.vmimport.api.VmImportException} whose code tells what is wrong (credentials, TLS, endpoint).
   */
  SourceSession open(SourceSpec source);
}
