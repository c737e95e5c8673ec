package io.vmimport.examples.directory;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.VmInventory;
import io.vmimport.api.source.VmLocator;
import java.util.List;

/** VMs are the sub-folders of the source folder; their hardware is in {@code vm.json}. */
final class DirectoryInventory implements VmInventory {
  private final SourceFolder source;

  DirectoryInventory(SourceFolder source) {
    this.source = requireNonNull(source, "source is null");
  }

  @Override
  public SourceVm describe(VmLocator vm) {
    return source.find(vm).describe();
  }

  @Override
  public List<String> list() {
    return source.vmNames();
  }
}
