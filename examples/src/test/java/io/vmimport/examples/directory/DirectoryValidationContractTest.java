package io.vmimport.examples.directory;

import io.vmimport.tck.ProviderFixture;
import io.vmimport.tck.ValidationContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class DirectoryValidationContractTest extends ValidationContract {
  @TempDir Path source;

  @Override
  protected ProviderFixture createFixture() {
    return DirectoryFixture.create(source);
  }
}
