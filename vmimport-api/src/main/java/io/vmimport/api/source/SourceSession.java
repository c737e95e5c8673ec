package io.vmimport.api.source;

/**
 * A session against one source: logged in once, reused for every call of one import or check,
 * closed (logged out) at the end. Implementations must be safe for use by several threads, as core
 * exports disks in parallel.
 */
public interface SourceSession extends AutoCloseable {
  SourceValidator validator();

  VmInventory inventory();

  PowerControl power();

  DiskExporter exporter();

  /** Logs out and releases connections. Never throws for a session already gone. */
  @Override
  void close();
}
