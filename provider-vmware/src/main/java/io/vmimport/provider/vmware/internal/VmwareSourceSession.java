package io.vmimport.provider.vmware.internal;

import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.ObjectContent;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.PowerControl;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.SourceValidator;
import io.vmimport.api.source.VmInventory;
import io.vmimport.api.source.VmLocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * One logged-in session against a vCenter or ESXi, shared by its validator, inventory, power and
 * exporter.
 */
public final class VmwareSourceSession implements SourceSession {
  private final VimConnection connection;
  private volatile ManagedObjectReference datacenter;

  public VmwareSourceSession(VimConnection connection) {
    this.connection = connection;
  }

  public VimConnection connection() {
    return connection;
  }

  @Override
  public SourceValidator validator() {
    return new VmwareValidator(this);
  }

  @Override
  public VmInventory inventory() {
    return new VmwareInventory(this);
  }

  @Override
  public PowerControl power() {
    return new VmwarePowerControl(this);
  }

  @Override
  public DiskExporter exporter() {
    return new VmwareDiskExporter(this);
  }

  @Override
  public void close() {
    connection.close();
  }

  /**
   * The configured datacenter.
   *
   * @throws VmImportException NOT_FOUND listing the datacenters that exist
   */
  public ManagedObjectReference datacenter() {
    ManagedObjectReference found = datacenter;
    if (found != null) {
      return found;
    }
    String path = connection.settings().datacenter();
    found =
        connection.call(
            "find datacenter " + path,
            vim -> vim.findByInventoryPath(connection.content().getSearchIndex(), path));
    if (found == null || !"Datacenter".equals(found.getType())) {
      throw new VmImportException(
          ErrorCode.NOT_FOUND,
          "source "
              + connection.settings().sourceName()
              + ": datacenter '"
              + path
              + "' (spec.dc) does not exist; datacenters: "
              + datacenterNames());
    }
    datacenter = found;
    return found;
  }

  /** Inventory paths of every datacenter, for messages. */
  public List<String> datacenterNames() {
    List<String> names = new ArrayList<>();
    for (ObjectContent content :
        connection.objectsBelow(connection.content().getRootFolder(), "Datacenter", "name")) {
      VimConnection.property(content, "name").map(String::valueOf).ifPresent(names::add);
    }
    names.sort(null);
    return names;
  }

  /** The inventory path searched for a VM: {@code <dc>/vm/<folder>/<name>}. */
  public String inventoryPath(VmLocator locator) {
    String folder = locator.folder().map(VmwareSettings::trimSlashes).orElse("");
    String dc = connection.settings().datacenter();
    // a folder given from the datacenter down ("DC0/vm/x") is accepted as well
    if (folder.startsWith(dc + "/vm/") || folder.equals(dc + "/vm")) {
      folder = folder.substring(Math.min(folder.length(), dc.length() + 4));
    }
    return dc + "/vm/" + (folder.isEmpty() ? "" : folder + "/") + locator.nameOrId();
  }

  /**
   * Finds a VM by name in its folder or, for a UUID, by instance UUID.
   *
   * @throws VmImportException NOT_FOUND naming the path searched
   */
  public ManagedObjectReference findVm(VmLocator locator) {
    ManagedObjectReference dc = datacenter();
    String path = inventoryPath(locator);
    ManagedObjectReference vm =
        connection.call(
            "find VM " + path,
            v -> v.findByInventoryPath(connection.content().getSearchIndex(), path));
    if (vm == null && looksLikeUuid(locator.nameOrId())) {
      vm =
          connection.call(
              "find VM by instance UUID " + locator.nameOrId(),
              v ->
                  v.findByUuid(
                      connection.content().getSearchIndex(), dc, locator.nameOrId(), true, true));
    }
    if (vm == null || !"VirtualMachine".equals(vm.getType())) {
      throw new VmImportException(
          ErrorCode.NOT_FOUND,
          "VM '"
              + locator.nameOrId()
              + "' not found at inventory path '"
              + path
              + "' of source "
              + connection.settings().sourceName()
              + (looksLikeUuid(locator.nameOrId()) ? " (nor as an instance UUID)" : "")
              + "; check virtualMachineName and folder");
    }
    return vm;
  }

  private static boolean looksLikeUuid(String value) {
    try {
      UUID.fromString(value);
      return value.length() == 36;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The name of a distributed portgroup by its key: first among the VM's networks, then among all
   * portgroups of the datacenter (the VM's {@code network} list is not always complete).
   */
  public Optional<String> portgroupName(List<ManagedObjectReference> networks, String key) {
    for (ManagedObjectReference network : networks) {
      if ("DistributedVirtualPortgroup".equals(network.getType())) {
        var props = connection.properties(network, "key", "name");
        if (key.equals(props.get("key")) || key.equals(network.getVal())) {
          return Optional.ofNullable(props.get("name")).map(String::valueOf);
        }
      }
    }
    for (ObjectContent content :
        connection.objectsBelow(datacenter(), "DistributedVirtualPortgroup", "key", "name")) {
      boolean matches =
          key.equals(VimConnection.property(content, "key").orElse(null))
              || key.equals(content.getObj().getVal());
      if (matches) {
        return VimConnection.property(content, "name").map(String::valueOf);
      }
    }
    return Optional.empty();
  }
}
