package io.vmimport.cli;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.cli.ResourceFile.ImportDocument;
import io.vmimport.cli.ResourceFile.SourceDocument;
import io.vmimport.core.ProviderRegistry;
import io.vmimport.resources.NamespacePolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
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

  @Option(
      names = "--allow-cross-namespace-sources",
      description =
          "Let an import use a source of another namespace. Refused by default, as the operator"
              + " does, so that an import cannot use another namespace's source and credentials.")
  boolean allowCrossNamespaceSources;

  @Option(
      names = "--validate",
      paramLabel = "MODE",
      defaultValue = "strict",
      description =
          "strict (default): a field the resources do not have is an error; warn: it is ignored"
              + " with a warning, as the Kubernetes API server prunes it.")
  String validate;

  /** The namespace rules of the operator, with this command's flags and without watched set. */
  NamespacePolicy policy() {
    return policy(allowCrossNamespaceSources, allowCrossNamespaceSecrets);
  }

  static NamespacePolicy policy(
      boolean allowCrossNamespaceSources, boolean allowCrossNamespaceSecrets) {
    return new NamespacePolicy(
        allowCrossNamespaceSources,
        allowCrossNamespaceSecrets,
        Set.of(),
        "pass --allow-cross-namespace-sources to allow it",
        "pass --allow-cross-namespace-secrets to allow it");
  }

  /** An import of the file, resolved against its source and Secret. */
  record ResolvedImport(ImportDocument document, ImportRequest request, String described) {}

  private boolean unknownFieldsAreErrors() {
    return switch (validate.toLowerCase(Locale.ROOT)) {
      case "strict" -> true;
      case "warn" -> false;
      default ->
          throw new VmImportException(
              ErrorCode.INVALID_SPEC,
              "--validate: '" + validate + "' is not one of [strict, warn]");
    };
  }

  /** Reads the file and prints its warnings on {@code err}. */
  ResourceFile read(PrintWriter err, InputStream stdin) {
    ResourceFile resources;
    if (file.toString().equals(STDIN)) {
      try {
        resources = ResourceFile.read("<stdin>", stdin, unknownFieldsAreErrors());
      } catch (IOException e) {
        throw new VmImportException(ErrorCode.INVALID_SPEC, "cannot read stdin: " + e, e);
      }
    } else {
      resources = ResourceFile.read(file, unknownFieldsAreErrors());
    }
    resources
        .warnings()
        .forEach(warning -> err.println(TerminalText.escape("warning: " + warning)));
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
      ImportRequest request = resources.request(document, policy());
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
