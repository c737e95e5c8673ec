package io.vmimport.cli;

import io.vmimport.api.target.TargetNic;
import io.vmimport.api.target.TargetVm;
import java.util.List;

/**
 * Where each NIC of an import goes, as {@code import} and {@code validate} print it: a NIC that
 * lands on the pod network rather than the network the user meant is otherwise only visible in the
 * manifests.
 */
final class NicPlacement {
  private NicPlacement() {}

  /** One line per NIC: {@code nic-0 (52:54:00:00:00:01, e1000) on 'prod' -> default/vlan1}. */
  static List<String> lines(TargetVm vm) {
    return vm.nics().stream().map(NicPlacement::line).toList();
  }

  private static String line(TargetNic nic) {
    return nic.name()
        + " ("
        + nic.macAddress()
        + ", "
        + nic.model().wireValue()
        + ") on "
        + nic.source().network().map(network -> "'" + network + "'").orElse("no network")
        + " -> "
        + (nic.network().podNetwork() ? "pod network" : nic.network().toString());
  }
}
