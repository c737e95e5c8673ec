package io.vmimport.examples.directory;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.PowerControl;

/**
 * Power state lives in the VM folder's {@code power} file. A folder has no guest to ask, so a guest
 * shutdown turns the VM off at once, as a well-behaved guest eventually would.
 */
final class DirectoryPowerControl implements PowerControl {
  private final SourceFolder source;

  DirectoryPowerControl(SourceFolder source) {
    this.source = requireNonNull(source, "source is null");
  }

  @Override
  public PowerState state(SourceVm vm) {
    return source.folderOf(vm).powerState();
  }

  @Override
  public void shutdownGuest(SourceVm vm) {
    source.folderOf(vm).writePowerState(PowerState.OFF);
  }

  @Override
  public void powerOff(SourceVm vm) {
    source.folderOf(vm).writePowerState(PowerState.OFF);
  }
}
