package io.vmimport.examples.directory;

import io.vmimport.tck.InventoryContract;
import io.vmimport.tck.ProviderFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class DirectoryInventoryContractTest extends InventoryContract {
  @TempDir Path source;

  @Override
  protected ProviderFixture createFixture() {
    return DirectoryFixture.create(source);
  }
}
