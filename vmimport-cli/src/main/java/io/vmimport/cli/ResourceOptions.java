package io.vmimport.cli;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.cli.ResourceFile.ImportDocument;
import io.vmimport.cli.ResourceFile.SourceDocument;
import io.vmimport.core.ProviderRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options every command shares: the resources file and which import of it. */
final class ResourceOptions {
  private static final String STDIN = "-";

  @Option(
      names = {"-f", "--file"},
      required = true,
      paramLabel = "FILE",
      description =
          "YAML file with the resources, as for vm-import-controller: v1 Secrets, *Source objects"
              + " and VirtualMachineImports, separated by '---'. '-' reads stdin.")
  Path file;

  @Option(
      names = "--import",
      paramLabel = "NAME",
      description = "Work on this VirtualMachineImport only (NAME or NAMESPACE/NAME).")
  String importName;

  @Option(
      names = "--allow-cross-namespace-secrets",
      description =
          "Let a source use a Secret of another namespace. Refused by default, as the operator"
              + " does, so that a source cannot borrow another namespace's credentials.")
  boolean allowCrossNamespaceSecrets;

  /** An import of the file, resolved against its source and Secret. */
  record ResolvedImport(ImportDocument document, ImportRequest request, String described) {}

  /** Reads the file and prints its warnings on {@code err}. */
  ResourceFile read(PrintWriter err, InputStream stdin) {
    ResourceFile resources;
    if (file.toString().equals(STDIN)) {
      try {
        resources =
            ResourceFile.parse("<stdin>", new String(stdin.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new VmImportException(ErrorCode.INVALID_SPEC, "cannot read stdin: " + e, e);
      }
    } else {
      resources = ResourceFile.read(file);
    }
    resources.warnings().forEach(warning -> err.println("warning: " + warning));
    err.flush();
    return resources;
  }

  /**
   * The selected imports with their sources and Secrets, and a provider for each source's kind: all
   * bad input is found here, before anything runs or is written.
   */
  List<ResolvedImport> resolve(ResourceFile resources, ProviderRegistry providers) {
    List<ResolvedImport> resolved = new ArrayList<>();
    for (ImportDocument document : resources.select(Optional.ofNullable(importName))) {
      ImportRequest request = resources.request(document, allowCrossNamespaceSecrets);
      SourceDocument source = resources.sourceOf(document);
      try {
        providers.forKind(source.providerKind());
      } catch (VmImportException e) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            resources.describe(source.id()) + ": kind: " + e.getMessage(),
            e);
      }
      resolved.add(new ResolvedImport(document, request, resources.describe(document.id())));
    }
    return resolved;
  }

  /** {@code e} with the document it is about in front of its message, keeping its code. */
  static VmImportException about(String document, VmImportException e) {
    return new VmImportException(e.code(), document + ": " + e.getMessage(), e, e.retryable());
  }
}
