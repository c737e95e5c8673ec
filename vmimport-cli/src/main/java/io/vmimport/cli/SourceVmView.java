package io.vmimport.cli;

import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.model.SourceVm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code vmimport inspect} prints, field by field, so that the output stays stable whatever
 * the records look like (README.md documents it). Absent values are {@code null}.
 */
final class SourceVmView {
  private SourceVmView() {}

  static Map<String, Object> of(SourceVm vm) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", vm.name());
    out.put("id", vm.id());
    Map<String, Object> cpu = new LinkedHashMap<>();
    cpu.put("sockets", vm.cpu().sockets());
    cpu.put("coresPerSocket", vm.cpu().effectiveCoresPerSocket());
    cpu.put("vcpus", vm.cpu().vcpus());
    out.put("cpu", cpu);
    out.put("memoryMiB", vm.memoryMiB());
    Map<String, Object> firmware = new LinkedHashMap<>();
    firmware.put("type", vm.firmware().type().wireValue());
    firmware.put("secureBoot", vm.firmware().secureBoot());
    firmware.put("tpm", vm.firmware().tpm());
    out.put("firmware", firmware);
    List<Map<String, Object>> disks = new ArrayList<>();
    for (SourceDisk disk : vm.disks()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("index", disk.index());
      entry.put("key", disk.key());
      entry.put("name", disk.name());
      entry.put("capacityBytes", disk.capacityBytes());
      entry.put("bus", disk.bus().map(bus -> bus.wireValue()).orElse(null));
      entry.put("bootOrder", disk.bootOrder().isPresent() ? disk.bootOrder().getAsInt() : null);
      disks.add(entry);
    }
    out.put("disks", disks);
    List<Map<String, Object>> nics = new ArrayList<>();
    for (SourceNic nic : vm.nics()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("index", nic.index());
      entry.put("macAddress", nic.macAddress());
      entry.put("model", nic.model().map(model -> model.wireValue()).orElse(null));
      entry.put("network", nic.network().orElse(null));
      nics.add(entry);
    }
    out.put("nics", nics);
    out.put("description", vm.description().orElse(null));
    out.put("guestOs", vm.guestOs().orElse(null));
    out.put("exportHost", vm.exportHost().orElse(null));
    return out;
  }
}
