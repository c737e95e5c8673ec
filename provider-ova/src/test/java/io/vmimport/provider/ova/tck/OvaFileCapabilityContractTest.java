package io.vmimport.provider.ova.tck;

import io.vmimport.tck.CapabilityContract;
import io.vmimport.tck.ProviderFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class OvaFileCapabilityContractTest extends CapabilityContract {
  @TempDir Path work;

  @Override
  protected ProviderFixture createFixture() {
    return new OvaFileFixture(work);
  }
}
