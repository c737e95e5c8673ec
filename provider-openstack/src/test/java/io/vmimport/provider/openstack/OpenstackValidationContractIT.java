package io.vmimport.provider.openstack;

import io.vmimport.tck.ProviderFixture;
import io.vmimport.tck.ValidationContract;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalOpenstackCloud.class)
class OpenstackValidationContractIT extends ValidationContract {
  @Override
  protected ProviderFixture createFixture() {
    return new LocalCloudFixture();
  }
}
