package io.vmimport.provider.vmware;

import io.vmimport.api.Capability;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.SourceProvider;
import io.vmimport.api.source.SourceSession;
import io.vmimport.provider.vmware.internal.VimConnection;
import io.vmimport.provider.vmware.internal.VmwareSettings;
import io.vmimport.provider.vmware.internal.VmwareSourceSession;
import java.util.EnumSet;
import java.util.Set;

/**
 * VMware vSphere (vCenter or ESXi) as an import source, kind {@code vmware} ({@code VmwareSource}).
 *
 * <p>Settings: {@code endpoint} (https URL, {@code /sdk} added when the path is empty), {@code dc}
 * (leading {@code /} optional), optional {@code insecureSkipTLSVerify: "true"}. Secret keys: {@code
 * username}, {@code password}, optional CA PEM under {@code caCert}, {@code ca_cert} or {@code
 * ca.crt}.
 */
public final class VmwareSourceProvider implements SourceProvider {
  public static final String KIND = "vmware";

  private static final Set<Capability> CAPABILITIES =
      Set.copyOf(
          EnumSet.of(
              Capability.GUEST_SHUTDOWN,
              Capability.HARD_POWER_OFF,
              Capability.PARALLEL_DISK_EXPORT));

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public Set<Capability> capabilities() {
    return CAPABILITIES;
  }

  @Override
  public SourceSession open(SourceSpec source) {
    return new VmwareSourceSession(VimConnection.open(VmwareSettings.of(source)));
  }
}
