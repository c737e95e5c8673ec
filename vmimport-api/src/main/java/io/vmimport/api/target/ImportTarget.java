package io.vmimport.api.target;

import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.ValidationIssue;
import java.nio.file.Path;
import java.util.List;

/**
 * Where imported VMs go: Harvester, or a directory of files. Core writes each converted disk to
 * {@link #diskPath}, then publishes it, then creates the VM. Every call is idempotent: calling it
 * again for the same import creates nothing new.
 */
public interface ImportTarget {
  /** The format core converts disks to for this target. */
  DiskFormat diskFormat();

  /** Checks the target side of an import: networks and storage class exist. */
  List<ValidationIssue> preflight(TargetVm vm);

  /**
   * Where core writes the converted disk; the file is written under a temporary name beside it and
   * moved there when complete.
   */
  Path diskPath(ImportRef ref, TargetDisk disk);

  /** Hands a converted disk to the target (creates a VirtualMachineImage, or keeps the file). */
  PublishedImage publish(TargetVm vm, TargetDisk disk, Path file);

  /** Whether the published image is usable; {@code FAILED} is retried by publishing again. */
  TargetStatus imageStatus(TargetVm vm, PublishedImage image);

  /** Creates the VM (or writes its description). Returns where it is, for messages. */
  String createVm(TargetVm vm, List<PublishedImage> images);

  /**
   * Whether what this target publishes and creates exists once the call returns (a cluster's
   * objects), or is only written to files for someone to apply later. Progress messages say
   * "submitted" and "created" only for the first; for the second they say "written". Default: a
   * cluster.
   */
  default boolean createsObjects() {
    return true;
  }

  /** Whether this target starts VMs; when not, an import ends at {@code virtualMachineCreated}. */
  boolean startsVms();

  /** Whether the created VM runs. Only called when {@link #startsVms()}. */
  TargetStatus vmStatus(TargetVm vm);

  /**
   * Removes everything this target created for the import (used on cancel). Objects that must
   * outlive the import once it has succeeded are not touched after success.
   */
  void discard(ImportRef ref);
}
