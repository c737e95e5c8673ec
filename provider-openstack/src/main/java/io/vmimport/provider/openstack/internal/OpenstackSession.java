package io.vmimport.provider.openstack.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.PowerControl;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.SourceValidator;
import io.vmimport.api.source.VmInventory;

/**
 * One logged-in session against an OpenStack cloud, shared by its validator, inventory, power
 * control and exporter; safe for several threads.
 */
public final class OpenstackSession implements SourceSession {
  private final OpenstackValidator validator;
  private final OpenstackInventory inventory;
  private final OpenstackPowerControl power;
  private final OpenstackDiskExporter exporter;

  public OpenstackSession(OpenstackSettings settings, CloudConnection cloud) {
    requireNonNull(settings, "settings is null");
    requireNonNull(cloud, "cloud is null");
    this.inventory = new OpenstackInventory(settings, cloud);
    this.validator = new OpenstackValidator(cloud, inventory);
    this.power = new OpenstackPowerControl(cloud);
    this.exporter = new OpenstackDiskExporter(cloud, power);
  }

  @Override
  public SourceValidator validator() {
    return validator;
  }

  @Override
  public VmInventory inventory() {
    return inventory;
  }

  @Override
  public PowerControl power() {
    return power;
  }

  @Override
  public DiskExporter exporter() {
    return exporter;
  }

  @Override
  public void close() {
    // the token is left to expire rather than revoked: revoking it would break an export that
    // core still holds open elsewhere; the JDK client owns and recycles its connections
  }
}
