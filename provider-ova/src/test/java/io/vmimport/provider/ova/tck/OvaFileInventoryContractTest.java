package io.vmimport.provider.ova.tck;

import io.vmimport.tck.InventoryContract;
import io.vmimport.tck.ProviderFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class OvaFileInventoryContractTest extends InventoryContract {
  @TempDir Path work;

  @Override
  protected ProviderFixture createFixture() {
    return new OvaFileFixture(work);
  }
}
