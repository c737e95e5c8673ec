package io.vmimport.provider.openstack;

import io.vmimport.tck.DiscoveryContract;
import io.vmimport.tck.ProviderFixture;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalOpenstackCloud.class)
class OpenstackDiscoveryContractIT extends DiscoveryContract {
  @Override
  protected ProviderFixture createFixture() {
    return new LocalCloudFixture();
  }
}
