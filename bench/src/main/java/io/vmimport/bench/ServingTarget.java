package io.vmimport.bench;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.target.ImportTarget;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetStatus;
import io.vmimport.api.target.TargetVm;
import io.vmimport.target.harvester.ImageServer;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Harvester as the benchmark plays it: each published disk is served by the real image server, and
 * a consumer process (what Harvester's image controller does: HEAD, download, check) is started for
 * it; the image is ready when the consumer succeeds.
 */
final class ServingTarget implements ImportTarget {
  private final ImageServer server;
  private final Path diskDir;
  private final Path consumer;
  private final Path consumerDir;
  private final Map<String, Process> consumers = new ConcurrentHashMap<>();

  ServingTarget(ImageServer server, Path diskDir, Path consumer, Path consumerDir) {
    this.server = requireNonNull(server, "server is null");
    this.diskDir = requireNonNull(diskDir, "diskDir is null");
    this.consumer = requireNonNull(consumer, "consumer is null");
    this.consumerDir = requireNonNull(consumerDir, "consumerDir is null");
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
    return diskDir.resolve(disk.name() + ".qcow2");
  }

  @Override
  public PublishedImage publish(TargetVm vm, TargetDisk disk, Path file) {
    URL url = server.register(file);
    try {
      Files.createDirectories(consumerDir);
      Process process =
          new ProcessBuilder(
                  consumer.toString(),
                  url.toString(),
                  consumerDir.resolve(disk.name() + ".qcow2").toString())
              .inheritIO()
              .start();
      consumers.put(disk.name(), process);
    } catch (IOException e) {
      throw new VmImportException(ErrorCode.TARGET_FAILED, "cannot start the consumer: " + e, e);
    }
    return new PublishedImage(disk.name(), disk.name(), url.toString());
  }

  @Override
  public TargetStatus imageStatus(TargetVm vm, PublishedImage image) {
    Process process = consumers.get(image.diskName());
    if (process.isAlive()) {
      return TargetStatus.pending("consumer downloading");
    }
    return process.exitValue() == 0
        ? TargetStatus.ready()
        : TargetStatus.failed("consumer exited with " + process.exitValue());
  }

  @Override
  public String createVm(TargetVm vm, List<PublishedImage> images) {
    return vm.name();
  }

  @Override
  public boolean startsVms() {
    return false;
  }

  @Override
  public TargetStatus vmStatus(TargetVm vm) {
    throw new VmImportException(ErrorCode.NOT_SUPPORTED, "the benchmark does not start VMs");
  }

  @Override
  public void discard(ImportRef ref) {
    consumers.values().forEach(Process::destroy);
  }
}
