package io.vmimport.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmimport.api.Capability;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.SourceProvider;
import io.vmimport.api.source.SourceSession;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProviderRegistryTest {
  record Named(String kind) implements SourceProvider {
    @Override
    public Set<Capability> capabilities() {
      return Set.of();
    }

    @Override
    public SourceSession open(SourceSpec source) {
      throw new VmImportException(ErrorCode.NOT_SUPPORTED, "not for this test");
    }
  }

  private final ProviderRegistry registry =
      new ProviderRegistry(List.of(new Named("vmware"), new Named("openstack"), new Named("ova")));

  @Test
  void findsByProviderKindOrSourceKind() {
    assertThat(registry.forKind("vmware").kind()).isEqualTo("vmware");
    assertThat(registry.forKind("VmwareSource").kind()).isEqualTo("vmware");
    assertThat(registry.forKind("openstacksource").kind()).isEqualTo("openstack");
  }

  @Test
  void unknownKindListsTheAvailableOnes() {
    assertThatThrownBy(() -> registry.forKind("x"))
        .isInstanceOf(VmImportException.class)
        .hasMessage("unknown source kind 'x'; available: [openstack, ova, vmware]");
  }

  @Test
  void twoProvidersOfOneKindIsAnError() {
    assertThatThrownBy(
            () -> new ProviderRegistry(List.of(new Named("vmware"), new Named("vmware"))))
        .isInstanceOf(VmImportException.class)
        .hasMessageContaining("two source providers claim kind 'vmware'");
  }

  @Test
  void serviceLoaderFindsNothingInCoreAlone() {
    assertThat(ProviderRegistry.load().kinds()).isEmpty();
  }
}
