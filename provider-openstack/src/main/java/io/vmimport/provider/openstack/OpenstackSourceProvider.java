package io.vmimport.provider.openstack;

import io.vmimport.api.Capability;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.SourceProvider;
import io.vmimport.api.source.SourceSession;
import io.vmimport.provider.openstack.internal.CloudConnection;
import io.vmimport.provider.openstack.internal.OpenstackSession;
import io.vmimport.provider.openstack.internal.OpenstackSettings;
import java.util.Set;

/**
 * Imports from OpenStack (CR kind {@code OpenstackSource}): Keystone v3 password authentication,
 * Nova servers, Cinder volumes exported through snapshot, temporary volume and Glance image.
 */
public final class OpenstackSourceProvider implements SourceProvider {
  public static final String KIND = "openstack";

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of(Capability.PARALLEL_DISK_EXPORT);
  }

  @Override
  public SourceSession open(SourceSpec source) {
    OpenstackSettings settings = OpenstackSettings.from(source);
    return new OpenstackSession(settings, CloudConnection.connect(settings));
  }
}
