package io.vmimport.provider.openstack.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.source.SourceValidator;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmLocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Whether an OpenStack source is usable, and the preflight checks of one import from it. */
final class OpenstackValidator implements SourceValidator {
  private final CloudConnection cloud;
  private final OpenstackInventory inventory;

  OpenstackValidator(CloudConnection cloud, OpenstackInventory inventory) {
    this.cloud = requireNonNull(cloud, "cloud is null");
    this.inventory = requireNonNull(inventory, "inventory is null");
  }

  @Override
  public List<ValidationIssue> checkSource() {
    List<ValidationIssue> issues = new ArrayList<>();
    plainHttpWarning().ifPresent(issues::add);
    try {
      cloud.client().compute().servers().list(Map.of("limit", "1"));
      return issues;
    } catch (RuntimeException e) {
      VmImportException failure = OpenstackErrors.translate(e, "list servers");
      if (failure.code() == ErrorCode.SOURCE_UNAVAILABLE || failure.code() == ErrorCode.TIMEOUT) {
        throw failure;
      }
      issues.add(ValidationIssue.error(failure.code(), failure.getMessage()));
      return issues;
    }
  }

  /** The opt-in to plain HTTP is in use: reported like VmwareSource's insecureSkipTLSVerify. */
  private Optional<ValidationIssue> plainHttpWarning() {
    List<String> plain = cloud.plainHttpEndpoints();
    if (plain.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new ValidationIssue(
            ValidationIssue.Severity.WARNING,
            ErrorCode.INVALID_SPEC,
            "credentials cross the network unencrypted to "
                + plain
                + " ("
                + OpenstackSettings.INSECURE_PLAIN_HTTP_SETTING
                + ": \"true\"); use https endpoints and remove the setting",
            Optional.of("spec." + OpenstackSettings.INSECURE_PLAIN_HTTP_SETTING)));
  }

  @Override
  public List<ValidationIssue> preflight(ImportSpec spec) {
    List<ValidationIssue> issues = new ArrayList<>();
    plainHttpWarning().ifPresent(issues::add);
    try {
      inventory.describe(new VmLocator(spec.virtualMachineName(), spec.folder()));
    } catch (VmImportException e) {
      if (e.code() == ErrorCode.SOURCE_UNAVAILABLE) {
        throw e;
      }
      issues.add(ValidationIssue.error(e.code(), "spec.virtualMachineName", e.getMessage()));
    }
    return issues;
  }
}
