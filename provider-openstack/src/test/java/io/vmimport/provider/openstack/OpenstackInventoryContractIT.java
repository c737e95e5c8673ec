package io.vmimport.provider.openstack;

import io.vmimport.tck.InventoryContract;
import io.vmimport.tck.ProviderFixture;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalOpenstackCloud.class)
class OpenstackInventoryContractIT extends InventoryContract {
  @Override
  protected ProviderFixture createFixture() {
    return new LocalCloudFixture();
  }
}
