package io.vmimport.examples.directory;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.source.SourceValidator;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmLocator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The source is ready when its folder exists (credentials were checked when the session opened). A
 * VM folder with a broken {@code vm.json} is a warning: the other VMs can still be imported.
 */
final class DirectoryValidator implements SourceValidator {
  private final SourceFolder source;

  DirectoryValidator(SourceFolder source) {
    this.source = requireNonNull(source, "source is null");
  }

  @Override
  public List<ValidationIssue> checkSource() {
    List<ValidationIssue> issues = new ArrayList<>();
    for (String name : source.vmNames()) {
      Path dir = source.root().resolve(name);
      try {
        new VmFolder(dir).describe();
      } catch (VmImportException e) {
        if (e.code() == ErrorCode.SOURCE_UNAVAILABLE) {
          throw e;
        }
        issues.add(ValidationIssue.warning(e.code(), "VM '" + name + "': " + e.getMessage()));
      }
    }
    return issues;
  }

  @Override
  public List<ValidationIssue> preflight(ImportSpec spec) {
    VmLocator locator = VmLocator.of(spec);
    try {
      source.find(locator).describe();
      return List.of();
    } catch (VmImportException e) {
      return switch (e.code()) {
        case NOT_FOUND, NOT_UNIQUE ->
            List.of(ValidationIssue.error(e.code(), "spec.virtualMachineName", e.getMessage()));
        case INVALID_SPEC -> List.of(ValidationIssue.error(e.code(), e.getMessage()));
        // the check itself could not run: the caller decides whether to retry
        default -> throw e;
      };
    }
  }
}
