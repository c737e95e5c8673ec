package io.vmimport.core.fake;

import io.vmimport.api.ScratchFiles;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

/** A target that keeps disks in a directory and plays an image controller and KubeVirt. */
public final class FakeTarget implements ImportTarget {
  private final Function<ImportRef, Path> importDir;
  public DiskFormat format = DiskFormat.RAW;
  public final List<String> published = Collections.synchronizedList(new ArrayList<>());
  public final List<TargetVm> created = Collections.synchronizedList(new ArrayList<>());

  /** How often each image reports FAILED before it is READY; absent: ready at once. */
  public final Map<String, Integer> imageFailures = new ConcurrentHashMap<>();

  public List<ValidationIssue> preflightIssues = List.of();
  public boolean discarded;

  /** Disks in {@code <dir>/<import name>}. */
  public FakeTarget(Path dir) {
    this.importDir = ref -> dir.resolve(ref.name());
  }

  private FakeTarget(Function<ImportRef, Path> importDir) {
    this.importDir = importDir;
  }

  /** Disks in the import's target folder of {@code scratch}, as the Harvester target keeps them. */
  public static FakeTarget inScratch(ScratchFiles scratch) {
    return new FakeTarget(scratch::targetDir);
  }

  @Override
  public DiskFormat diskFormat() {
    return format;
  }

  @Override
  public List<ValidationIssue> preflight(TargetVm vm) {
    return preflightIssues;
  }

  @Override
  public Path diskPath(ImportRef ref, TargetDisk disk) {
    return importDir.apply(ref).resolve(disk.name() + "." + format.id());
  }

  @Override
  public PublishedImage publish(TargetVm vm, TargetDisk disk, Path file) {
    published.add(disk.name());
    return new PublishedImage(disk.name(), vm.name() + "-" + disk.name(), file.toString());
  }

  @Override
  public TargetStatus imageStatus(TargetVm vm, PublishedImage image) {
    Integer failures = imageFailures.get(image.diskName());
    if (failures != null && failures > 0) {
      imageFailures.put(image.diskName(), failures - 1);
      return TargetStatus.failed("checksum mismatch");
    }
    return TargetStatus.ready();
  }

  @Override
  public String createVm(TargetVm vm, List<PublishedImage> images) {
    created.add(vm);
    return "vm/" + vm.name();
  }

  @Override
  public boolean startsVms() {
    return true;
  }

  @Override
  public TargetStatus vmStatus(TargetVm vm) {
    return TargetStatus.ready();
  }

  @Override
  public void discard(ImportRef ref) {
    discarded = true;
    Path folder = importDir.apply(ref);
    if (!Files.exists(folder)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(folder)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
