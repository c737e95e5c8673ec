package io.vmimport.provider.openstack;

import io.vmimport.tck.CapabilityContract;
import io.vmimport.tck.ProviderFixture;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalOpenstackCloud.class)
class OpenstackCapabilityContractIT extends CapabilityContract {
  @Override
  protected ProviderFixture createFixture() {
    return new LocalCloudFixture();
  }
}
