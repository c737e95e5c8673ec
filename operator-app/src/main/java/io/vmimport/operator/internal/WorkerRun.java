package io.vmimport.operator.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.ImportPhase;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.ImportCondition;
import io.vmimport.api.event.ImportListener;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.core.ImportEngine;
import io.vmimport.core.ImportHandle;
import io.vmimport.core.ImportResult;
import io.vmimport.core.WorkerReport;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.resources.NamespacePolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A disk worker's import: the operator's import, read from the worker's Secret, run by an engine of
 * its own into a {@link io.vmimport.target.harvester.ServedDiskTarget}, its status kept in a file
 * that the worker serves to the operator. The operator has powered the VM off and checked the
 * import; the worker's engine checks again (nothing changes on the way) and finds the VM off.
 */
public final class WorkerRun implements ImportListener {
  private static final Logger log = LoggerFactory.getLogger(WorkerRun.class);
  // JSON only: the image has no YAML parser, which fabric8's Serialization.unmarshal would load
  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final ImportRequest request;
  private final Path statusFile;
  private final Map<String, DiskProgress> disks = new LinkedHashMap<>();
  private final List<ImportCondition> conditions = new ArrayList<>();
  private final Map<String, String> images = new LinkedHashMap<>();
  private WorkerReport.Stage stage = WorkerReport.Stage.EXPORTING;
  private VmImportException failure;
  private long lastWrite;

  private WorkerRun(ImportRequest request, Path statusFile) {
    this.request = requireNonNull(request, "request is null");
    this.statusFile = requireNonNull(statusFile, "statusFile is null");
  }

  /** The import the files in {@code workDir} describe; see {@link WorkerProtocol}. */
  public static WorkerRun read(Path workDir, Path statusFile) {
    VirtualMachineImport vmi = json(workDir, WorkerProtocol.IMPORT, VirtualMachineImport.class);
    GenericKubernetesResource source =
        json(workDir, WorkerProtocol.SOURCE, GenericKubernetesResource.class);
    Secret credentials = json(workDir, WorkerProtocol.CREDENTIALS, Secret.class);
    // the operator checked the namespaces before it made this worker
    NamespacePolicy trusted = new NamespacePolicy(true, true, Set.of(), "", "");
    ImportSpec spec = ImportSpecs.from(vmi, trusted);
    SourceSpec sourceSpec =
        new SourceResolver(
                (namespace, name) ->
                    credentials.getMetadata() != null
                            && name.equals(credentials.getMetadata().getName())
                        ? credentials
                        : null,
                trusted)
            .resolve(source);
    return new WorkerRun(new ImportRequest(ImportSpecs.ref(vmi), spec, sourceSpec), statusFile);
  }

  /** The key of the worker's tokens, from its Secret. */
  public static byte[] tokenKey(Path workDir) {
    return Base64.getDecoder().decode(text(workDir, WorkerProtocol.SECRET).strip());
  }

  public ImportRef ref() {
    return request.ref();
  }

  public ImportRequest request() {
    return request;
  }

  /** Runs the import to its end: the disks are served, or it failed. Writes the status. */
  public ImportHandle start(ImportEngine engine, io.vmimport.api.target.ImportTarget target) {
    write(true);
    return engine.start(request, target, this);
  }

  /** Records how the run ended: serving, or failed. */
  public synchronized void ended(ImportResult result) {
    for (PublishedImage image : result.images()) {
      images.put(image.diskName(), image.location());
    }
    stage = WorkerReport.Stage.SERVING;
    write(true);
  }

  public synchronized void ended(VmImportException e) {
    failure = e;
    stage = WorkerReport.Stage.FAILED;
    write(true);
  }

  @Override
  public synchronized void phaseChanged(ImportRef ref, ImportPhase phase, String message) {
    if (phase == ImportPhase.DISKS_EXPORTED) {
      stage = WorkerReport.Stage.CONVERTING;
    }
    write(true);
  }

  @Override
  public synchronized void conditionChanged(ImportRef ref, ImportCondition condition) {
    conditions.add(condition);
    write(true);
  }

  @Override
  public synchronized void diskProgress(ImportRef ref, DiskProgress progress) {
    disks.put(progress.diskName(), progress);
    write(progress.stage() == DiskProgress.Stage.DONE);
  }

  @Override
  public void warning(ImportRef ref, String message) {
    log.warn("{}: {}", ref, message);
  }

  /** Writes the status file (at most twice a second unless {@code now}), replacing it at once. */
  private void write(boolean now) {
    long at = System.nanoTime();
    if (!now && at - lastWrite < 500_000_000L) {
      return;
    }
    lastWrite = at;
    WorkerProtocol.Status status =
        new WorkerProtocol.Status(
            stage.name(),
            disks.values().stream().map(WorkerProtocol.Disk::of).toList(),
            conditions.stream().map(WorkerProtocol.Condition::of).toList(),
            images,
            failure == null ? null : WorkerProtocol.Failure.of(failure));
    try {
      Path temp = statusFile.resolveSibling(statusFile.getFileName() + ".tmp");
      Files.write(temp, WorkerProtocol.write(status));
      Files.move(temp, statusFile, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the status " + statusFile, e);
    }
  }

  private static <T> T json(Path dir, String name, Class<T> type) {
    try {
      return JSON.readValue(text(dir, name), type);
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "the disk worker's " + dir.resolve(name) + " is not a " + type.getSimpleName() + ": " + e,
          e);
    }
  }

  private static String text(Path dir, String name) {
    Path file = dir.resolve(name);
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "the disk worker's "
              + file
              + " cannot be read (the operator writes it into the"
              + " worker's Secret): "
              + e,
          e);
    }
  }
}
