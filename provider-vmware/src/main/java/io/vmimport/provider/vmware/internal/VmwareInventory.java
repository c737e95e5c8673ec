package io.vmimport.provider.vmware.internal;

import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.ObjectContent;
import com.vmware.vim25.VirtualMachineConfigInfo;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.VmInventory;
import io.vmimport.api.source.VmLocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads VM hardware with the property collector. */
final class VmwareInventory implements VmInventory {
  private final VmwareSourceSession session;

  VmwareInventory(VmwareSourceSession session) {
    this.session = session;
  }

  @Override
  public SourceVm describe(VmLocator locator) {
    ManagedObjectReference vm = session.findVm(locator);
    return describe(vm);
  }

  SourceVm describe(ManagedObjectReference vm) {
    VimConnection connection = session.connection();
    var props = connection.properties(vm, "config", "network", "runtime.host");
    if (!(props.get("config") instanceof VirtualMachineConfigInfo config)
        || config.getHardware() == null) {
      throw new VmImportException(
          ErrorCode.SOURCE_UNAVAILABLE,
          "VM " + vm.getVal() + " has no configuration yet (being created?); try again later");
    }
    List<ManagedObjectReference> networks =
        props.get("network") instanceof ManagedObjectReference[] refs
            ? Arrays.asList(refs)
            : List.of();
    VmHardwareMapper mapper =
        new VmHardwareMapper(
            connection.client()::extrasOf, key -> session.portgroupName(networks, key));
    SourceVm mapped = mapper.map(vm, config);
    // the ESXi host serves the VM's NFC export: the engine's per-host limit counts it
    return props.get("runtime.host") instanceof ManagedObjectReference host
        ? mapped.withExportHost(hostName(connection, host))
        : mapped;
  }

  private static String hostName(VimConnection connection, ManagedObjectReference host) {
    Object name = connection.properties(host, "name").get("name");
    return name == null ? host.getVal() : String.valueOf(name);
  }

  @Override
  public List<String> list() {
    List<String> names = new ArrayList<>();
    for (ObjectContent content :
        session.connection().objectsBelow(session.datacenter(), "VirtualMachine", "name")) {
      VimConnection.property(content, "name").map(String::valueOf).ifPresent(names::add);
    }
    names.sort(null);
    return names;
  }
}
