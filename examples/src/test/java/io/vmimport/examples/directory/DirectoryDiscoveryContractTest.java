package io.vmimport.examples.directory;

import io.vmimport.tck.DiscoveryContract;
import io.vmimport.tck.ProviderFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class DirectoryDiscoveryContractTest extends DiscoveryContract {
  @TempDir Path source;

  @Override
  protected ProviderFixture createFixture() {
    return DirectoryFixture.create(source);
  }
}
