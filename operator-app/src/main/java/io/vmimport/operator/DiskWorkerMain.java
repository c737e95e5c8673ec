package io.vmimport.operator;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.guest.GuestConversionPolicy;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.core.Converters;
import io.vmimport.core.EngineConfig;
import io.vmimport.core.FileCheckpointStore;
import io.vmimport.core.ImportEngine;
import io.vmimport.core.ImportHandle;
import io.vmimport.core.ProviderRegistry;
import io.vmimport.core.TimeSource;
import io.vmimport.operator.internal.WorkerProtocol;
import io.vmimport.operator.internal.WorkerRun;
import io.vmimport.target.harvester.ImageServer;
import io.vmimport.target.harvester.ImageServerConfig;
import io.vmimport.target.harvester.ServedDiskTarget;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point of a disk worker, the process of a Job the operator makes per import with {@code
 * diskWork: jobs}: exports, converts and serves one import's disks (see {@link WorkerProtocol}).
 *
 * <p>It ends only when told to (SIGTERM, when the operator deletes its Job): cancelling the import
 * when it still runs, which releases what the export made on the source. A failure that another try
 * may cure ends it with exit code 1 and the reason in the termination log, so that Kubernetes runs
 * it again in the same pod, where it continues from its checkpoint in scratch; any other failure it
 * reports and waits, for the operator to fail the import.
 */
public final class DiskWorkerMain {
  private static final Logger log = LoggerFactory.getLogger(DiskWorkerMain.class);
  private static final Duration CANCEL_WAIT = Duration.ofSeconds(100);

  private DiskWorkerMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    Path work = Path.of(env.getOrDefault("VMIMPORT_WORK_DIR", WorkerProtocol.WORK_DIR));
    Path scratch = Path.of(env.getOrDefault("VMIMPORT_SCRATCH_DIR", WorkerProtocol.SCRATCH_DIR));
    Path terminationLog =
        Path.of(env.getOrDefault("VMIMPORT_TERMINATION_LOG", "/dev/termination-log"));
    String podIp = env.get("POD_IP");
    if (podIp == null || podIp.isBlank()) {
      exit(terminationLog, 2, "POD_IP is not set: the Job gives it from status.podIP");
    }
    int port =
        Integer.parseInt(
            env.getOrDefault("VMIMPORT_WORKER_PORT", String.valueOf(WorkerProtocol.PORT)));
    GuestConversionPolicy conversion =
        GuestConversionPolicy.parse(
            env.getOrDefault("VMIMPORT_GUEST_CONVERSION", "auto"), "VMIMPORT_GUEST_CONVERSION");
    int parallelDisks = Integer.parseInt(env.getOrDefault("VMIMPORT_MAX_PARALLEL_DISKS", "4"));

    Files.createDirectories(scratch);
    byte[] key = WorkerRun.tokenKey(work);
    Path statusFile = scratch.resolve(WorkerProtocol.STATUS_NAME);
    WorkerRun run = WorkerRun.read(work, statusFile);
    ImageServer server =
        ImageServer.start(
            new ImageServerConfig(
                new InetSocketAddress(podIp, port), Optional.empty(), Optional.empty()));
    ImportEngine engine =
        new ImportEngine(
            ProviderRegistry.load(),
            Converters.load(),
            new FileCheckpointStore(scratch),
            EngineConfig.builder(scratch)
                .maxParallelDisks(parallelDisks)
                .guestConversion(conversion)
                // the operator holds the import's place on its source host
                .maxExportsPerSourceHost(0)
                .build(),
            TimeSource.SYSTEM);
    ImportHandle handle =
        run.start(engine, new ServedDiskTarget(server, scratch, key, DiskFormat.QCOW2));
    server.registerAs(WorkerProtocol.statusToken(key), statusFile);
    log.info("{}: disk worker serving at {}", run.ref(), server.baseUri());

    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (!handle.isDone()) {
                    log.info("{}: told to stop: cancelling the import", run.ref());
                    handle.cancel();
                    try {
                      handle.await(CANCEL_WAIT);
                    } catch (VmImportException | InterruptedException e) {
                      log.info("{}: {}", run.ref(), e.getMessage());
                    }
                  }
                  stop.countDown();
                  server.close();
                  engine.close();
                },
                "vmimport-worker-stop"));
    try {
      run.ended(handle.await());
      log.info("{}: disks exported; serving them until told to stop", run.ref());
    } catch (VmImportException e) {
      if (e.code() == ErrorCode.CANCELLED) {
        stop.await();
        return;
      }
      run.ended(e);
      if (e.retryable()) {
        exit(terminationLog, 1, e.getMessage());
      }
      log.error("{}: failed, waiting for the operator: {}", run.ref(), e.getMessage());
    }
    stop.await();
  }

  private static void exit(Path terminationLog, int code, String message) {
    log.error("{}", message);
    try {
      Files.writeString(terminationLog, message, StandardCharsets.UTF_8);
    } catch (IOException e) {
      log.warn("cannot write the termination log {}: {}", terminationLog, e.toString());
    }
    System.exit(code);
  }
}
