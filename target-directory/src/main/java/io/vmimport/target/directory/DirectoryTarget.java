package io.vmimport.target.directory;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vmimport.api.DnsNames;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.target.FolderTarget;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetNic;
import io.vmimport.api.target.TargetStatus;
import io.vmimport.api.target.TargetVm;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The offline target: converted disks and a description of the VM ({@code vm.json}) written to
 * {@code <outputDir>/<namespace>/<import-name>/}, for users without a cluster at hand or who upload
 * by hand. The namespace is part of the path because imports of one name in two namespaces are two
 * imports: they must never share (or take over) each other's disks.
 *
 * <p>A target of its own, outside the engine: core runs imports and holds no target, and a target
 * that adds files to this output (the offline Harvester manifests) wraps it as a {@link
 * FolderTarget}.
 */
public final class DirectoryTarget implements FolderTarget {
  public static final String VM_FILE = "vm.json";

  private final Path outputDir;
  private final DiskFormat format;
  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * @param format {@link DiskFormat#QCOW2} (compact, the default of the CLI) or {@link
   *     DiskFormat#RAW} (sparse)
   */
  public DirectoryTarget(Path outputDir, DiskFormat format) {
    this.outputDir = requireNonNull(outputDir, "outputDir is null").toAbsolutePath();
    this.format = requireNonNull(format, "format is null");
    if (format != DiskFormat.QCOW2 && format != DiskFormat.RAW) {
      throw new IllegalArgumentException("disks are written as qcow2 or raw, not " + format.id());
    }
  }

  /**
   * The folder that holds the files of one import, {@code <outputDir>/<namespace>/<name>}: the one
   * place that decides the layout (a program, and a target wrapping this one, ask here).
   */
  @Override
  public Path importDir(ImportRef ref) {
    return outputDir
        .resolve(DnsNames.toLabel(ref.namespace()))
        .resolve(DnsNames.toLabel(ref.name()));
  }

  @Override
  public DiskFormat diskFormat() {
    return format;
  }

  @Override
  public List<ValidationIssue> preflight(TargetVm vm) {
    Path existing = outputDir;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
      // no field: how the directory was given (a flag, a setting) is the caller's to say
      return List.of(
          ValidationIssue.error(
              ErrorCode.INVALID_SPEC,
              "the output directory " + outputDir + " is not a writable directory"));
    }
    return List.of();
  }

  @Override
  public Path diskPath(ImportRef ref, TargetDisk disk) {
    return importDir(ref).resolve(disk.name() + "." + format.id());
  }

  @Override
  public PublishedImage publish(TargetVm vm, TargetDisk disk, Path file) {
    return new PublishedImage(disk.name(), file.getFileName().toString(), file.toString());
  }

  @Override
  public TargetStatus imageStatus(TargetVm vm, PublishedImage image) {
    return Files.isRegularFile(Path.of(image.location()))
        ? TargetStatus.ready()
        : TargetStatus.failed(image.location() + " is missing");
  }

  @Override
  public String createVm(TargetVm vm, List<PublishedImage> images) {
    Path file = importDir(vm.importRef()).resolve(VM_FILE);
    try {
      Files.createDirectories(file.getParent());
      json.writeValue(file.toFile(), describe(vm, images));
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.TARGET_FAILED, "cannot write " + file + ": " + e.getMessage(), e);
    }
    return file.toString();
  }

  /** Files only: nothing is submitted or created anywhere. */
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
    throw new VmImportException(ErrorCode.NOT_SUPPORTED, "an output directory does not run VMs");
  }

  /**
   * Removes the disks, partial files and VM description of the import, then its folder if empty.
   */
  @Override
  public void discard(ImportRef ref) {
    Path dir = importDir(ref);
    if (!Files.isDirectory(dir)) {
      return;
    }
    List<String> failed = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.equals(VM_FILE) || name.startsWith("disk-")) {
          deleteOrRemember(file, failed);
        }
      }
      deleteIfEmpty(dir, failed);
      // the namespace's folder too, once its last import is gone
      deleteIfEmpty(dir.getParent(), failed);
    } catch (IOException e) {
      failed.add(dir + " (" + e.getMessage() + ")");
    }
    if (!failed.isEmpty()) {
      throw new VmImportException(ErrorCode.CLEANUP_FAILED, "could not remove " + failed);
    }
  }

  private static void deleteIfEmpty(Path dir, List<String> failed) throws IOException {
    try (DirectoryStream<Path> rest = Files.newDirectoryStream(dir)) {
      if (!rest.iterator().hasNext()) {
        deleteOrRemember(dir, failed);
      }
    }
  }

  private static void deleteOrRemember(Path file, List<String> failed) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      failed.add(file + " (" + e.getMessage() + ")");
    }
  }

  /** The content of {@code vm.json}. */
  private static Map<String, Object> describe(TargetVm vm, List<PublishedImage> images) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", vm.name());
    out.put("sourceName", vm.sourceName());
    vm.description().ifPresent(d -> out.put("description", d));
    Map<String, Object> cpu = new LinkedHashMap<>();
    cpu.put("sockets", vm.cpu().sockets());
    cpu.put("cores", vm.cpu().cores());
    cpu.put("threads", vm.cpu().threads());
    out.put("cpu", cpu);
    out.put("memoryMiB", vm.memoryMiB());
    Map<String, Object> firmware = new LinkedHashMap<>();
    firmware.put("type", vm.firmware().type().wireValue());
    firmware.put("secureBoot", vm.firmware().secureBoot());
    firmware.put("tpm", vm.firmware().tpm());
    out.put("firmware", firmware);
    List<Map<String, Object>> disks = new ArrayList<>();
    for (int i = 0; i < vm.disks().size(); i++) {
      TargetDisk disk = vm.disks().get(i);
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", disk.name());
      entry.put("file", images.get(i).imageName());
      entry.put("bus", disk.bus().wireValue());
      entry.put("bootOrder", disk.bootOrder());
      entry.put("capacityBytes", disk.source().capacityBytes());
      entry.put("sourceDisk", disk.source().name());
      disks.add(entry);
    }
    out.put("disks", disks);
    List<Map<String, Object>> nics = new ArrayList<>();
    for (TargetNic nic : vm.nics()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", nic.name());
      entry.put("macAddress", nic.macAddress());
      entry.put("model", nic.model().wireValue());
      entry.put("network", nic.network().toString());
      nic.source().network().ifPresent(n -> entry.put("sourceNetwork", n));
      nics.add(entry);
    }
    out.put("nics", nics);
    vm.storageClass().ifPresent(s -> out.put("storageClass", s));
    return out;
  }
}
