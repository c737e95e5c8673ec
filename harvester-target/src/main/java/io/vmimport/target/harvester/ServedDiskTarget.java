package io.vmimport.target.harvester;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.ScratchFiles;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.target.ImportTarget;
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
 * The target of a disk worker (the operator's {@code diskWork: jobs}): each converted disk stays in
 * the worker's scratch and is served by its {@link ImageServer} under a token derived from the
 * worker's secret, so that the worker hands out the same URL for a disk after its process restarts.
 * It creates no VM: its import ends with the disks served, and the operator, which reads their URLs
 * from the worker's status, publishes them to Harvester.
 */
public final class ServedDiskTarget implements ImportTarget {
  private final ImageServer server;
  private final ScratchFiles scratch;
  private final byte[] secret;
  private final DiskFormat format;

  public ServedDiskTarget(ImageServer server, Path scratchDir, byte[] secret, DiskFormat format) {
    this.server = requireNonNull(server, "server is null");
    this.scratch = new ScratchFiles(requireNonNull(scratchDir, "scratchDir is null"));
    this.secret = requireNonNull(secret, "secret is null").clone();
    this.format = requireNonNull(format, "format is null");
  }

  /** The token a disk's file is served under, the same in every process of the worker. */
  private static String diskToken(byte[] secret, TargetDisk disk, DiskFormat format) {
    return ImageServer.derivedToken(secret, "disk/" + fileName(disk, format));
  }

  private static String fileName(TargetDisk disk, DiskFormat format) {
    return disk.name() + "." + format.id();
  }

  @Override
  public DiskFormat diskFormat() {
    return format;
  }

  @Override
  public List<ValidationIssue> preflight(TargetVm vm) {
    // the operator checks the target side (networks, storage class, the VM's name)
    return List.of();
  }

  @Override
  public Path diskPath(ImportRef ref, TargetDisk disk) {
    return scratch.targetDir(ref).resolve(fileName(disk, format));
  }

  @Override
  public PublishedImage publish(TargetVm vm, TargetDisk disk, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new VmImportException(
          ErrorCode.INTERNAL, "the converted disk " + file + " to serve is missing");
    }
    String url = server.registerAs(diskToken(secret, disk, format), file).toString();
    return new PublishedImage(disk.name(), file.getFileName().toString(), url);
  }

  @Override
  public TargetStatus imageStatus(TargetVm vm, PublishedImage image) {
    return TargetStatus.ready();
  }

  @Override
  public String createVm(TargetVm vm, List<PublishedImage> images) {
    return "disks served at " + server.baseUri();
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
    return TargetStatus.failed("a disk worker creates no VM");
  }

  /** Stops serving the import's disks and deletes them. */
  @Override
  public void discard(ImportRef ref) {
    Path dir = scratch.targetDir(ref);
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        if (Files.isRegularFile(path)) {
          server.withdraw(ImageServer.derivedToken(secret, "disk/" + path.getFileName()));
        }
        Files.delete(path);
      }
    } catch (IOException | UncheckedIOException e) {
      throw new VmImportException(
          ErrorCode.CLEANUP_FAILED, "cannot remove the served disks in " + dir + ": " + e, e, true);
    }
  }
}
