package io.vmimport.provider.ova.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NetworkMapping;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.source.SourceValidator;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmLocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The source is ready when its URL answers (a HEAD); preflight reads the package and checks that
 * the VM is in it with every file its disks need.
 */
final class OvaValidator implements SourceValidator {
  private final OvaSourceSession session;

  OvaValidator(OvaSourceSession session) {
    this.session = session;
  }

  @Override
  public List<ValidationIssue> checkSource() {
    return session.archive().check();
  }

  @Override
  public List<ValidationIssue> preflight(ImportSpec spec) {
    List<ValidationIssue> issues = new ArrayList<>();
    OvaVm found;
    try {
      found = session.find(new VmLocator(spec.virtualMachineName(), spec.folder()));
    } catch (VmImportException e) {
      if (e.retryable()) {
        throw e;
      }
      String field =
          e.code() == ErrorCode.NOT_FOUND
              ? "spec.virtualMachineName"
              : e.code() == ErrorCode.INVALID_SPEC && spec.folder().isPresent()
                  ? "spec.folder"
                  : "spec.sourceCluster";
      issues.add(ValidationIssue.error(e.code(), field, e.getMessage()));
      return issues;
    }
    OvaPackage ova = session.ovaPackage();
    for (OvfDescriptor.DiskDef disk : found.disks().values()) {
      Optional<String> href = disk.file().map(OvfDescriptor.FileRef::href);
      Optional<OvaPackage.Part> part;
      try {
        part = href.isPresent() ? ova.part(href.get()) : Optional.empty();
      } catch (VmImportException e) {
        if (e.retryable()) {
          throw e;
        }
        issues.add(ValidationIssue.error(e.code(), e.getMessage()));
        continue;
      }
      if (href.isPresent() && part.isEmpty()) {
        issues.add(
            ValidationIssue.error(
                ErrorCode.NOT_FOUND,
                "the descriptor names file "
                    + href.get()
                    + " for disk "
                    + disk.diskId()
                    + ", but "
                    + session.archive().shown()
                    + " does not hold it"));
      }
    }
    Set<String> networks =
        found.vm().nics().stream()
            .map(SourceNic::network)
            .flatMap(Optional::stream)
            .collect(Collectors.toSet());
    for (int i = 0; i < spec.networkMapping().size(); i++) {
      NetworkMapping mapping = spec.networkMapping().get(i);
      if (!networks.contains(mapping.sourceNetwork())) {
        issues.add(
            new ValidationIssue(
                ValidationIssue.Severity.WARNING,
                ErrorCode.NOT_FOUND,
                "network '"
                    + mapping.sourceNetwork()
                    + "' is not a network of VM "
                    + found.vm().name()
                    + " (it has "
                    + networks
                    + ")",
                Optional.of("spec.networkMapping[" + i + "].sourceNetwork")));
      }
    }
    return issues;
  }
}
