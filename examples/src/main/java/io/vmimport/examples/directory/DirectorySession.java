package io.vmimport.examples.directory;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.PowerControl;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.SourceValidator;
import io.vmimport.api.source.VmInventory;

/** A session on one source folder. There is nothing to log out of, so closing does nothing. */
final class DirectorySession implements SourceSession {
  private final DirectoryValidator validator;
  private final DirectoryInventory inventory;
  private final DirectoryPowerControl power;
  private final DirectoryDiskExporter exporter;

  DirectorySession(SourceFolder source) {
    requireNonNull(source, "source is null");
    this.validator = new DirectoryValidator(source);
    this.inventory = new DirectoryInventory(source);
    this.power = new DirectoryPowerControl(source);
    this.exporter = new DirectoryDiskExporter(source);
  }

  @Override
  public SourceValidator validator() {
    return validator;
  }

  @Override
  public VmInventory inventory() {
    return inventory;
  }

  @Override
  public PowerControl power() {
    return power;
  }

  @Override
  public DiskExporter exporter() {
    return exporter;
  }

  @Override
  public void close() {}
}
