package io.vmimport.provider.ova.tck;

import io.vmimport.tck.ProviderFixture;
import io.vmimport.tck.ValidationContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class OvaHttpsValidationContractIT extends ValidationContract {
  @TempDir Path work;

  @Override
  protected ProviderFixture createFixture() {
    return new OvaHttpsFixture(work);
  }
}
