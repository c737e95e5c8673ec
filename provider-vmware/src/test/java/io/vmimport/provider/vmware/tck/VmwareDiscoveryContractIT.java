package io.vmimport.provider.vmware.tck;

import io.vmimport.provider.vmware.VcsimWorlds;
import io.vmimport.tck.DiscoveryContract;
import io.vmimport.tck.ProviderFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

class VmwareDiscoveryContractIT extends DiscoveryContract {
  @TempDir static Path vcsimDir;
  static VcsimWorlds.Handle vcsim;

  @BeforeAll
  static void startVcsim() throws Exception {
    vcsim = VcsimWorlds.start(vcsimDir);
  }

  @AfterAll
  static void stopVcsim() throws Exception {
    if (vcsim != null) {
      vcsim.close();
    }
  }

  @Override
  protected ProviderFixture createFixture() {
    return new VcsimFixture(vcsim);
  }
}
