package io.vmimport.provider.ova.tck;

import io.vmimport.tck.ExportContract;
import io.vmimport.tck.ProviderFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class OvaFileExportContractTest extends ExportContract {
  @TempDir Path work;

  @Override
  protected ProviderFixture createFixture() {
    return new OvaFileFixture(work);
  }
}
