package io.vmimport.provider.openstack;

import io.vmimport.tck.ExportContract;
import io.vmimport.tck.ProviderFixture;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalOpenstackCloud.class)
class OpenstackExportContractIT extends ExportContract {
  @Override
  protected ProviderFixture createFixture() {
    return new LocalCloudFixture();
  }
}
