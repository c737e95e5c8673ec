package io.vmimport.target.harvester;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.target.FolderTarget;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetStatus;
import io.vmimport.api.target.TargetVm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files the offline sink writes its manifests beside, as the directory target (a module this
 * one may not use) lays them out: qcow2 disks and a {@code vm.json} in {@code
 * <root>/<namespace>/<name>}.
 */
final class FolderFiles implements FolderTarget {
  static final String VM_FILE = "vm.json";

  private final Path root;

  FolderFiles(Path root) {
    this.root = root;
  }

  @Override
  public Path importDir(ImportRef ref) {
    return root.resolve(ref.namespace()).resolve(ref.name());
  }

  @Override
  public DiskFormat diskFormat() {
    return DiskFormat.QCOW2;
  }

  @Override
  public List<ValidationIssue> preflight(TargetVm vm) {
    return List.of();
  }

  @Override
  public Path diskPath(ImportRef ref, TargetDisk disk) {
    return importDir(ref).resolve(disk.name() + ".qcow2");
  }

  @Override
  public PublishedImage publish(TargetVm vm, TargetDisk disk, Path file) {
    return new PublishedImage(disk.name(), file.getFileName().toString(), file.toString());
  }

  @Override
  public TargetStatus imageStatus(TargetVm vm, PublishedImage image) {
    return TargetStatus.ready();
  }

  @Override
  public String createVm(TargetVm vm, List<PublishedImage> images) {
    Path file = importDir(vm.importRef()).resolve(VM_FILE);
    try {
      Files.writeString(file, "{\"name\":\"" + vm.name() + "\"}");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file.toString();
  }

  @Override
  public boolean createsObjects() {
    return false;
  }

  @Override
  public boolean startsVms() {
    return false;
  }

  @Override
  public TargetStatus vmStatus(TargetVm vm) {
    // as the directory target it stands in for: a folder runs no VM (startsVms is false)
    throw new VmImportException(ErrorCode.NOT_SUPPORTED, "a folder does not run VMs");
  }

  @Override
  public void discard(ImportRef ref) {
    Path dir = importDir(ref);
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
