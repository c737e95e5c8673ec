package io.vmimport.operator.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.ConditionType;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.ImportCondition;
import io.vmimport.core.WorkerReport;
import io.vmimport.target.harvester.ImageServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the operator and a disk worker agree on (operator's {@code diskWork: jobs}): the files of
 * the worker's Secret, its variables, and its status document.
 *
 * <p>The worker has no Kubernetes rights at all. It reads what it works on from its Secret, and
 * writes its status to a file it serves under a token derived from the Secret's {@link #SECRET}:
 * the operator, which made that secret, polls it over HTTP. Only the operator and the worker know
 * the token, and with it the URLs of the disks.
 */
public final class WorkerProtocol {
  /** The worker's Secret: the VirtualMachineImport, as JSON. */
  public static final String IMPORT = "import.json";

  /** The worker's Secret: the import's source object, as JSON. */
  public static final String SOURCE = "source.json";

  /** The worker's Secret: the source's credentials Secret, as JSON. */
  public static final String CREDENTIALS = "credentials.json";

  /** The worker's Secret: 32 random bytes, base64, the tokens' key. */
  public static final String SECRET = "token-key";

  /** Where the worker's Secret is mounted. */
  public static final String WORK_DIR = "/etc/vmimport/work";

  /** The worker's scratch volume. */
  public static final String SCRATCH_DIR = "/scratch";

  /** The port the worker serves its disks and status on. */
  public static final int PORT = 8080;

  /** The file name of the status document, in scratch and in its URL. */
  public static final String STATUS_NAME = "status.json";

  /** The most bytes of a status document the operator reads. */
  static final int MAX_STATUS_BYTES = 1 << 20;

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .setSerializationInclusion(JsonInclude.Include.NON_ABSENT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private WorkerProtocol() {}

  /** The token of the status document, from the Secret's key. */
  public static String statusToken(byte[] key) {
    return ImageServer.derivedToken(key, STATUS_NAME);
  }

  /** The worker's status, as it writes it and the operator reads it. */
  record Status(
      String stage,
      List<Disk> disks,
      List<Condition> conditions,
      Map<String, String> images,
      Failure failure) {
    Status {
      disks = disks == null ? List.of() : List.copyOf(disks);
      conditions = conditions == null ? List.of() : List.copyOf(conditions);
      images = images == null ? Map.of() : Map.copyOf(images);
    }

    WorkerReport report() {
      WorkerReport.Stage parsed;
      try {
        parsed = WorkerReport.Stage.valueOf(stage);
      } catch (RuntimeException e) {
        throw new VmImportException(
            ErrorCode.INTERNAL, "the disk worker reports an unknown stage '" + stage + "'");
      }
      Map<String, URI> urls = new LinkedHashMap<>();
      images.forEach((disk, url) -> urls.put(disk, URI.create(url)));
      return new WorkerReport(
          parsed,
          disks.stream().map(Disk::progress).toList(),
          conditions.stream().map(Condition::condition).toList(),
          urls,
          Optional.ofNullable(failure).map(Failure::exception));
    }
  }

  record Disk(
      String name, String stage, long done, long total, double bytesPerSecond, long sourceBytes) {
    static Disk of(DiskProgress p) {
      return new Disk(
          p.diskName(), p.stage().name(), p.done(), p.total(), p.bytesPerSecond(), p.sourceBytes());
    }

    DiskProgress progress() {
      return new DiskProgress(
          name, DiskProgress.Stage.valueOf(stage), done, total, bytesPerSecond, sourceBytes);
    }
  }

  record Condition(String type, boolean status, String reason, String message, String time) {
    static Condition of(ImportCondition c) {
      return new Condition(
          c.type().name(), c.status(), c.reason(), c.message(), c.time().toString());
    }

    ImportCondition condition() {
      return new ImportCondition(
          ConditionType.valueOf(type), status, reason, message, Instant.parse(time));
    }
  }

  record Failure(String code, String message, boolean retryable) {
    static Failure of(VmImportException e) {
      return new Failure(e.code().name(), e.getMessage(), e.retryable());
    }

    VmImportException exception() {
      ErrorCode parsed;
      try {
        parsed = ErrorCode.valueOf(code);
      } catch (RuntimeException e) {
        parsed = ErrorCode.INTERNAL;
      }
      return new VmImportException(parsed, message, null, retryable);
    }
  }

  static byte[] write(Status status) {
    try {
      return JSON.writeValueAsBytes(status);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Status read(byte[] json) {
    try {
      return JSON.readValue(json, Status.class);
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.INTERNAL, "the disk worker's status cannot be read: " + e.getMessage(), e);
    }
  }
}
