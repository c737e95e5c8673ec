package io.vmimport.provider.ova;

import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.VmLocator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Exports a disk the way core reads one: prepare, open, read to the end, close. */
final class OvaExports {
  static final ArtifactOwner OWNER = new ArtifactOwner("ova-test-uid", "default/ova-test");

  private OvaExports() {}

  static void exportFirstDisk(SourceSession session, String vmName, Path file) throws IOException {
    exportDisk(session, vmName, 0, file);
  }

  static void exportDisk(SourceSession session, String vmName, int index, Path file)
      throws IOException {
    SourceVm vm = session.inventory().describe(VmLocator.of(vmName));
    ExportSession export = session.exporter().begin(vm, OWNER);
    try {
      export.prepare(vm.disks().get(index));
      try (DiskStream stream = export.open(vm.disks().get(index))) {
        Files.copy(stream.input(), file);
      }
      export.complete();
    } catch (RuntimeException | IOException e) {
      export.abort();
      throw e;
    }
  }
}
