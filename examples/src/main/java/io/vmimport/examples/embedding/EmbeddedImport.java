package io.vmimport.examples.embedding;

import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.ImportListener;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NetworkMapping;
import io.vmimport.api.model.SourceRef;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.core.EngineConfig;
import io.vmimport.core.ImportEngine;
import io.vmimport.core.ImportResult;
import io.vmimport.target.directory.DirectoryTarget;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * Embedding vmimport in a Java program: one import from the {@code directory} source into an output
 * directory, with progress printed. The providers and the converter are found on the class path
 * (here: the directory provider of this module and converter-qemu).
 */
public final class EmbeddedImport {
  private static final String API_VERSION = "migration.harvesterhci.io/v1beta1";

  private EmbeddedImport() {}

  /**
   * Imports {@code vmName} from the directory source at {@code sourceFolder}, mapping its NICs on
   * source network {@code network} to the NetworkAttachmentDefinition {@code default/vlan1}.
   */
  public static ImportResult run(
      Path sourceFolder, String vmName, String network, Path outputDir, ImportListener listener) {
    // the same information as a VirtualMachineImport and its source would carry
    SourceSpec source =
        new SourceSpec(
            "directory",
            "default",
            "lab",
            Map.of("path", sourceFolder.toString()),
            Credentials.NONE);
    ImportSpec spec =
        ImportSpec.builder(new SourceRef(API_VERSION, "DirectorySource", "lab", "default"), vmName)
            .addNetworkMapping(new NetworkMapping(network, "default/vlan1"))
            .build();
    // a new import on every call; a program that resumes imports keeps the uid with its record
    ImportRef ref = new ImportRef("default", vmName + "-import", UUID.randomUUID().toString());
    ImportRequest request = new ImportRequest(ref, spec, source);

    EngineConfig config = EngineConfig.builder(outputDir.resolve(".scratch")).build();
    try (ImportEngine engine = ImportEngine.create(config)) {
      return engine.run(request, new DirectoryTarget(outputDir, DiskFormat.QCOW2), listener);
    }
  }

  /** {@code EmbeddedImport SOURCE_FOLDER VM_NAME SOURCE_NETWORK OUTPUT_DIR} */
  public static void main(String[] args) {
    if (args.length != 4) {
      System.err.println("usage: EmbeddedImport SOURCE_FOLDER VM_NAME SOURCE_NETWORK OUTPUT_DIR");
      System.exit(2);
    }
    ImportResult result =
        run(Path.of(args[0]), args[1], args[2], Path.of(args[3]), new PrintingListener());
    result.images().forEach(image -> System.out.println("disk: " + image.location()));
    System.out.println("VM description: " + result.vmLocation());
  }

  /** Prints phases and, per disk, every stage change. */
  static final class PrintingListener implements ImportListener {
    @Override
    public void phaseChanged(ImportRef ref, io.vmimport.api.ImportPhase phase, String message) {
      System.out.println(ref + ": " + phase + " (" + message + ")");
    }

    @Override
    public void diskProgress(ImportRef ref, DiskProgress progress) {
      if (progress.stage() == DiskProgress.Stage.DONE) {
        System.out.println(
            ref + ": " + progress.diskName() + " done, " + progress.done() + " bytes");
      }
    }
  }
}
