package io.vmimport.provider.openstack.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.PowerControl;
import org.openstack4j.model.common.ActionResponse;
import org.openstack4j.model.compute.Action;
import org.openstack4j.model.compute.Server;

/** Server state, and Nova's stop action as the power-off; no guest shutdown of its own. */
final class OpenstackPowerControl implements PowerControl {
  private final CloudConnection cloud;

  OpenstackPowerControl(CloudConnection cloud) {
    this.cloud = requireNonNull(cloud, "cloud is null");
  }

  @Override
  public PowerState state(SourceVm vm) {
    Server server;
    try {
      server = cloud.client().compute().servers().get(vm.id());
    } catch (RuntimeException e) {
      throw OpenstackErrors.translate(e, "read the status of server " + vm.id());
    }
    if (server == null) {
      throw new VmImportException(ErrorCode.NOT_FOUND, "server " + vm.id() + " no longer exists");
    }
    return powerStateOf(server.getStatus());
  }

  static PowerState powerStateOf(Server.Status status) {
    if (status == null) {
      return PowerState.UNKNOWN;
    }
    return switch (status) {
      case ACTIVE -> PowerState.ON;
      case SHUTOFF -> PowerState.OFF;
      case SUSPENDED, PAUSED -> PowerState.SUSPENDED;
      default -> PowerState.UNKNOWN;
    };
  }

  @Override
  public void powerOff(SourceVm vm) {
    ActionResponse response;
    try {
      response = cloud.client().compute().servers().action(vm.id(), Action.STOP);
    } catch (RuntimeException e) {
      throw OpenstackErrors.translate(e, "stop server " + vm.id());
    }
    if (!response.isSuccess()) {
      throw OpenstackErrors.fromStatus(
          response.getCode(), response.getFault(), "stop server " + vm.id(), null);
    }
  }
}
