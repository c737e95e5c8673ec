package io.vmimport.provider.vmware.internal;

import com.vmware.vim25.VirtualMachinePowerState;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.PowerControl;

/** Power state, guest shutdown and hard power-off; each call starts one operation. */
final class VmwarePowerControl implements PowerControl {
  private final VmwareSourceSession session;

  VmwarePowerControl(VmwareSourceSession session) {
    this.session = session;
  }

  @Override
  public PowerState state(SourceVm vm) {
    var props =
        session
            .connection()
            .properties(VimConnection.mor("VirtualMachine", vm.id()), "runtime.powerState");
    return stateOf(props.get("runtime.powerState"));
  }

  static PowerState stateOf(Object value) {
    if (value instanceof VirtualMachinePowerState state) {
      return switch (state) {
        case poweredOn -> PowerState.ON;
        case poweredOff -> PowerState.OFF;
        case suspended -> PowerState.SUSPENDED;
      };
    }
    return PowerState.UNKNOWN;
  }

  @Override
  public void shutdownGuest(SourceVm vm) {
    session
        .connection()
        .call(
            "shut down the guest of VM " + vm.name(),
            v -> {
              v.shutdownGuest(VimConnection.mor("VirtualMachine", vm.id()));
              return null;
            });
  }

  @Override
  public void powerOff(SourceVm vm) {
    // starts the task; core polls state()
    session
        .connection()
        .call(
            "power off VM " + vm.name(),
            v -> v.powerOffVM_Task(VimConnection.mor("VirtualMachine", vm.id())));
  }
}
