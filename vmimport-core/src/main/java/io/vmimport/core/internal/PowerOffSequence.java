package io.vmimport.core.internal;

import io.vmimport.api.Capability;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.ConditionType;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.PowerControl;
import io.vmimport.core.EngineConfig;
import io.vmimport.core.TimeSource;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a source VM to powered-off: asks the guest to shut down and escalates to a hard power-off
 * after {@code gracefulShutdownTimeoutSeconds}, or powers off at once with {@code forcePowerOff}
 * (or when the provider cannot ask the guest).
 */
public final class PowerOffSequence {
  private static final Logger log = LoggerFactory.getLogger(PowerOffSequence.class);

  /** Receives the conditions VMShutdownGuest, VMPoweringOff and VMPoweredOff. */
  public interface Conditions {
    void set(ConditionType type, String reason, String message);
  }

  private final EngineConfig config;
  private final TimeSource time;
  private final Retrier retrier;

  public PowerOffSequence(EngineConfig config, TimeSource time, Retrier retrier) {
    this.config = config;
    this.time = time;
    this.retrier = retrier;
  }

  public void run(
      PowerControl power,
      Set<Capability> capabilities,
      SourceVm vm,
      ImportSpec spec,
      Conditions conditions) {
    PowerState state = retrier.call("power state of " + vm.name(), () -> power.state(vm));
    if (state == PowerState.OFF) {
      conditions.set(ConditionType.VM_POWERED_OFF, "AlreadyOff", "VM " + vm.name() + " is off");
      return;
    }
    boolean graceful =
        !spec.forcePowerOff()
            && state == PowerState.ON
            && capabilities.contains(Capability.GUEST_SHUTDOWN);
    if (graceful && shutDownGuest(power, vm, spec)) {
      conditions.set(
          ConditionType.VM_SHUTDOWN_GUEST,
          "GuestShutdown",
          "guest OS of " + vm.name() + " shut down");
    } else {
      if (graceful) {
        conditions.set(
            ConditionType.VM_SHUTDOWN_GUEST,
            "GuestShutdownTimedOut",
            "guest OS of "
                + vm.name()
                + " did not shut down within "
                + spec.gracefulShutdownTimeout().toSeconds()
                + " s; powering off");
      }
      conditions.set(
          ConditionType.VM_POWERING_OFF,
          spec.forcePowerOff() ? "ForcePowerOff" : "PowerOff",
          "powering off " + vm.name());
      retrier.run("power-off of " + vm.name(), () -> power.powerOff(vm));
      if (!awaitOff(power, vm, config.powerOffTimeout())) {
        throw new VmImportException(
            ErrorCode.TIMEOUT,
            "VM "
                + vm.name()
                + " is still not off "
                + config.powerOffTimeout().toSeconds()
                + " s after power-off");
      }
    }
    conditions.set(ConditionType.VM_POWERED_OFF, "PoweredOff", "VM " + vm.name() + " is off");
  }

  /** Returns whether the guest shut down within the timeout. */
  private boolean shutDownGuest(PowerControl power, SourceVm vm, ImportSpec spec) {
    try {
      retrier.run("guest shutdown of " + vm.name(), () -> power.shutdownGuest(vm));
    } catch (VmImportException e) {
      if (e.code() == ErrorCode.CANCELLED) {
        throw e;
      }
      // e.g. VMware Tools not running: the guest cannot be asked, so power off instead
      log.warn("guest shutdown of {} refused, powering off instead: {}", vm.name(), e.getMessage());
      return false;
    }
    return awaitOff(power, vm, spec.gracefulShutdownTimeout());
  }

  private boolean awaitOff(PowerControl power, SourceVm vm, java.time.Duration timeout) {
    return Deadline.await(
        time,
        timeout,
        config.pollInterval(),
        () -> retrier.call("power state of " + vm.name(), () -> power.state(vm)) == PowerState.OFF);
  }
}
