package io.vmimport.provider.ova.tck;

import io.vmimport.tck.DiscoveryContract;
import io.vmimport.tck.ProviderFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class OvaHttpsDiscoveryContractIT extends DiscoveryContract {
  @TempDir Path work;

  @Override
  protected ProviderFixture createFixture() {
    return new OvaHttpsFixture(work);
  }
}
