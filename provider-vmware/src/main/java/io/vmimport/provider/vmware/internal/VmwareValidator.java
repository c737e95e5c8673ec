package io.vmimport.provider.vmware.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NetworkMapping;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.SourceValidator;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmLocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Source check (login and datacenter) and preflight of one import. */
final class VmwareValidator implements SourceValidator {
  private final VmwareSourceSession session;

  VmwareValidator(VmwareSourceSession session) {
    this.session = session;
  }

  @Override
  public List<ValidationIssue> checkSource() {
    List<ValidationIssue> issues = new ArrayList<>();
    insecureWarning().ifPresent(issues::add);
    datacenterIssue().ifPresent(issues::add);
    return issues;
  }

  /** An error against {@code spec.dc} when the source's datacenter does not exist. */
  private Optional<ValidationIssue> datacenterIssue() {
    try {
      session.datacenter();
      return Optional.empty();
    } catch (VmImportException e) {
      if (e.code() == ErrorCode.SOURCE_UNAVAILABLE) {
        throw e;
      }
      return Optional.of(ValidationIssue.error(e.code(), "spec.dc", e.getMessage()));
    }
  }

  private Optional<ValidationIssue> insecureWarning() {
    VmwareSettings settings = session.connection().settings();
    if (!settings.insecureSkipTlsVerify()) {
      return Optional.empty();
    }
    return Optional.of(
        new ValidationIssue(
            ValidationIssue.Severity.WARNING,
            ErrorCode.TLS_UNTRUSTED,
            "TLS certificate verification is disabled for "
                + settings.sdkUrl().getHost()
                + " ("
                + VmwareSettings.INSECURE_SETTING
                + ": \"true\"); put the vCenter CA as caCert in Secret "
                + settings.secretName()
                + " instead",
            Optional.of("spec." + VmwareSettings.INSECURE_SETTING)));
  }

  @Override
  public List<ValidationIssue> preflight(ImportSpec spec) {
    List<ValidationIssue> issues = new ArrayList<>();
    insecureWarning().ifPresent(issues::add);
    // the VM is looked up in the datacenter: a wrong one is the source's mistake, not the VM name's
    Optional<ValidationIssue> datacenter = datacenterIssue();
    if (datacenter.isPresent()) {
      issues.add(datacenter.get());
      return issues;
    }
    VmLocator locator = new VmLocator(spec.virtualMachineName(), spec.folder());
    SourceVm vm;
    VmwareInventory inventory = new VmwareInventory(session);
    try {
      vm = inventory.describe(locator);
    } catch (VmImportException e) {
      if (e.code() == ErrorCode.NOT_FOUND || e.code() == ErrorCode.NOT_UNIQUE) {
        issues.add(ValidationIssue.error(e.code(), "spec.virtualMachineName", e.getMessage()));
        return issues;
      }
      throw e;
    }
    Set<String> vmNetworks =
        vm.nics().stream()
            .map(SourceNic::network)
            .flatMap(Optional::stream)
            .collect(Collectors.toSet());
    for (int i = 0; i < spec.networkMapping().size(); i++) {
      NetworkMapping mapping = spec.networkMapping().get(i);
      if (!vmNetworks.contains(mapping.sourceNetwork())) {
        issues.add(
            new ValidationIssue(
                ValidationIssue.Severity.WARNING,
                ErrorCode.NOT_FOUND,
                "VM "
                    + vm.name()
                    + " has no NIC on network '"
                    + mapping.sourceNetwork()
                    + "'; its networks: "
                    + vmNetworks.stream().sorted().toList(),
                Optional.of("spec.networkMapping[" + i + "].sourceNetwork")));
      }
    }
    var runtime =
        session
            .connection()
            .properties(session.findVm(locator), "runtime.powerState", "guest.toolsRunningStatus");
    PowerState state = VmwarePowerControl.stateOf(runtime.get("runtime.powerState"));
    String tools = Objects.toString(runtime.get("guest.toolsRunningStatus"), "");
    if (state == PowerState.ON && !spec.forcePowerOff() && !"guestToolsRunning".equals(tools)) {
      issues.add(
          new ValidationIssue(
              ValidationIssue.Severity.WARNING,
              ErrorCode.NOT_SUPPORTED,
              "VMware Tools are not running in VM "
                  + vm.name()
                  + " ("
                  + (tools.isEmpty() ? "status unknown" : tools)
                  + "): guest shutdown will not work and the VM is powered off hard after"
                  + " gracefulShutdownTimeoutSeconds; set forcePowerOff: true to skip the wait",
              Optional.of("spec.forcePowerOff")));
    }
    return issues;
  }
}
