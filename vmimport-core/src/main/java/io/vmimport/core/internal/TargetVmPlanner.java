package io.vmimport.core.internal;

import io.vmimport.api.DnsNames;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.target.TargetCpu;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetVm;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Computes the target VM from the source VM and the import spec, fixing upstream's mapping bugs:
 * sockets = vCPUs / cores per socket (upstream swapped them and multiplied vCPUs), memory in MiB
 * exactly (upstream wrote decimal megabytes), disks in the source's boot order (upstream used the
 * export lease's order).
 */
public final class TargetVmPlanner {
  /** The planned VM, with the issues found on the way (unmatched NICs, unused mappings). */
  public record Plan(TargetVm vm, List<ValidationIssue> issues) {
    public Plan {
      issues = List.copyOf(issues);
    }
  }

  private static final Comparator<SourceDisk> BOOT_ORDER =
      Comparator.comparingInt(
              (SourceDisk disk) ->
                  disk.bootOrder().isPresent() ? disk.bootOrder().getAsInt() : Integer.MAX_VALUE)
          .thenComparingInt(SourceDisk::index);

  private TargetVmPlanner() {}

  public static Plan plan(ImportRequest request, SourceVm source) {
    List<SourceDisk> ordered = source.disks().stream().sorted(BOOT_ORDER).toList();
    List<TargetDisk> disks = new ArrayList<>();
    for (int i = 0; i < ordered.size(); i++) {
      SourceDisk disk = ordered.get(i);
      disks.add(
          new TargetDisk(
              "disk-" + i, disk, disk.bus().orElse(request.spec().defaultDiskBusType()), i + 1));
    }
    NetworkMapper.Result nics =
        NetworkMapper.map(source.nics(), request.spec(), request.ref().namespace());
    TargetVm vm =
        new TargetVm(
            request.ref(),
            DnsNames.toLabel(source.name()),
            source.name(),
            source.description(),
            new TargetCpu(source.cpu().sockets(), source.cpu().effectiveCoresPerSocket(), 1),
            source.memoryMiB(),
            source.firmware(),
            disks,
            nics.nics(),
            request.spec().storageClass());
    return new Plan(vm, nics.issues());
  }
}
