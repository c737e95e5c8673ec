package io.vmimport.bench;

import io.vmimport.api.event.ImportListener;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceRef;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.Preparation;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.VmLocator;
import io.vmimport.core.EngineConfig;
import io.vmimport.core.ImportEngine;
import io.vmimport.core.ImportResult;
import io.vmimport.core.ProviderRegistry;
import io.vmimport.target.harvester.ImageServer;
import io.vmimport.target.harvester.ImageServerConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * The import process of the benchmark (bench/run.sh).
 *
 * <pre>
 * BenchImport import   ENDPOINT USER PASSWORD VM SCRATCH CONSUMER CONSUMER_DIR
 * BenchImport download ENDPOINT USER PASSWORD VM OUT_DIR
 * BenchImport ova      URL VM SCRATCH CONSUMER CONSUMER_DIR
 * </pre>
 *
 * {@code import} runs this project's pipeline: vSphere NFC export → streaming conversion → image
 * server → consumer. {@code download} is the first step of the upstream-style pipeline: each disk's
 * export stream written to a file as it comes, for qemu-img to convert afterwards. {@code ova} runs
 * the same pipeline from an OVA at an http URL (provider-ova: the archive streamed, no download
 * first).
 */
public final class BenchImport {
  private BenchImport() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 6) {
      System.err.println(
          "usage: BenchImport import ENDPOINT USER PASSWORD VM SCRATCH CONSUMER CONSUMER_DIR\n"
              + "       BenchImport download ENDPOINT USER PASSWORD VM OUT_DIR\n"
              + "       BenchImport ova URL VM SCRATCH CONSUMER CONSUMER_DIR");
      System.exit(2);
    }
    if (args[0].equals("ova")) {
      SourceSpec ova =
          new SourceSpec(
              "ova",
              "default",
              "bench",
              Map.of("url", args[1]),
              new Credentials("default/bench", Map.of()));
      runImport(ova, "OvaSource", args[2], Path.of(args[3]), Path.of(args[4]), Path.of(args[5]));
      System.exit(0);
    }
    SourceSpec source =
        new SourceSpec(
            "vmware",
            "default",
            "bench",
            // the benchmark measures the disk path; certificate checking is the same either way
            Map.of("endpoint", args[1], "dc", "DC0", "insecureSkipTLSVerify", "true"),
            new Credentials("default/bench", Map.of("username", args[2], "password", args[3])));
    String vm = args[4];
    if (args[0].equals("download")) {
      download(source, vm, Path.of(args[5]));
    } else {
      runImport(source, "VmwareSource", vm, Path.of(args[5]), Path.of(args[6]), Path.of(args[7]));
    }
    // Everything is closed. Netty's global executor thread is not a daemon and lingers for a
    // second after its last task; the import is over, so do not let it count.
    System.exit(0);
  }

  private static void runImport(
      SourceSpec source,
      String sourceKind,
      String vm,
      Path scratch,
      Path consumer,
      Path consumerDir)
      throws Exception {
    ImportSpec spec =
        ImportSpec.builder(
                new SourceRef("migration.harvesterhci.io/v1beta1", sourceKind, "bench", "default"),
                vm)
            .forcePowerOff(true)
            .build();
    EngineConfig config =
        EngineConfig.builder(scratch.resolve("staging"))
            .pollInterval(Duration.ofMillis(50))
            .build();
    Files.createDirectories(scratch);
    try (ImageServer server = ImageServer.start(ImageServerConfig.loopback());
        ImportEngine engine = ImportEngine.create(config)) {
      ImportResult result =
          engine.run(
              new ImportRequest(
                  new ImportRef("default", vm, UUID.randomUUID().toString()), spec, source),
              new ServingTarget(server, scratch, consumer, consumerDir),
              ImportListener.NONE);
      System.err.println("import: " + result.phase() + ", " + result.images().size() + " disk(s)");
    }
  }

  private static void download(SourceSpec spec, String vmName, Path outDir) throws Exception {
    Files.createDirectories(outDir);
    try (SourceSession session = ProviderRegistry.load().forKind("vmware").open(spec)) {
      SourceVm vm = session.inventory().describe(VmLocator.of(vmName));
      ExportSession export =
          session.exporter().begin(vm, new ArtifactOwner("bench-" + vm.id(), "bench/" + vmName));
      boolean done = false;
      try {
        for (SourceDisk disk : vm.disks()) {
          Preparation preparation;
          while (!(preparation = export.prepare(disk)).isReady()) {
            Thread.sleep(Math.max(50, preparation.retryAfter().toMillis()));
          }
          try (DiskStream stream = export.open(disk);
              InputStream in = stream.input();
              OutputStream out =
                  Files.newOutputStream(
                      outDir.resolve(disk.index() + "." + stream.format().id()))) {
            in.transferTo(out);
          }
        }
        done = true;
      } finally {
        if (done) {
          export.complete();
        } else {
          export.abort();
        }
      }
    }
  }
}
