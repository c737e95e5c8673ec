package io.vmimport.cli;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.ImportListener;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.target.ImportTarget;
import io.vmimport.api.target.TargetVm;
import io.vmimport.cli.ResourceOptions.ResolvedImport;
import io.vmimport.core.EngineConfig;
import io.vmimport.core.ImportEngine;
import io.vmimport.core.InMemoryCheckpointStore;
import io.vmimport.target.directory.DirectoryTarget;
import io.vmimport.target.harvester.OfflineHarvesterTarget;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Checks imports without changing anything. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    header = "Checks imports without changing anything.",
    description = {
      "Checks each VirtualMachineImport of the file as the import would, without changing"
          + " anything: the spec, the source (login, VM lookup, preflight checks unless"
          + " spec.skipPreflightChecks), the network mapping and the output directory. Prints each"
          + " issue as ERROR or WARNING with the field at fault, or 'valid' and where each NIC"
          + " would go. When an import has an error, exits with the code import would exit with"
          + " for it (that of the first such import)."
    },
    footerHeading = ExitCodes.HEADING,
    footer = ExitCodes.FOOTER)
final class ValidateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ResourceOptions resources;

  @Mixin StorageClassOption storageClasses;

  @Option(
      names = "--output-dir",
      paramLabel = "DIR",
      defaultValue = ".",
      description = "The output directory the import would write to (default: the current one).")
  Path outputDir;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ResourceFile file = resources.read(err, System.in);
    Path output = outputDir.toAbsolutePath().normalize();
    EngineConfig config = EngineConfig.builder(output.resolve(".scratch")).build();
    ImportTarget target =
        new OfflineHarvesterTarget(
            new DirectoryTarget(output, DiskFormat.QCOW2), storageClasses.storage());
    int exit = ExitCodes.SUCCESS;
    try (ImportEngine engine = EngineFactory.create(config, new InMemoryCheckpointStore())) {
      List<ResolvedImport> imports = resources.resolve(file, engine.providers());
      for (ResolvedImport resolved : imports) {
        List<ValidationIssue> issues;
        AtomicReference<TargetVm> planned = new AtomicReference<>();
        ImportListener listener =
            new ImportListener() {
              @Override
              public void planned(ImportRef ref, TargetVm vm) {
                planned.set(vm);
              }
            };
        try {
          issues = engine.validate(resolved.request(), target, listener);
        } catch (VmImportException e) {
          throw ResourceOptions.about(resolved.described(), e);
        }
        String ref = resolved.request().ref().toString();
        for (ValidationIssue issue : issues) {
          out.println(
              TerminalText.escape(
                  ref
                      + ": "
                      + issue.severity()
                      + " "
                      + issue.field().map(field -> field + ": ").orElse("")
                      + issue.message()
                      + " ("
                      + issue.code()
                      + ")"));
        }
        Optional<ErrorCode> failure = ValidationIssue.failureCode(issues);
        if (failure.isPresent()) {
          // the code import would exit with for the same mistake; the first failing import's
          if (exit == ExitCodes.SUCCESS) {
            exit = ExitCodes.of(failure.get());
          }
        } else {
          out.println(
              TerminalText.escape(ref + ": valid" + (issues.isEmpty() ? "" : " (with warnings)")));
          if (planned.get() != null) {
            NicPlacement.lines(planned.get())
                .forEach(line -> out.println(TerminalText.escape("  " + line)));
          }
        }
        out.flush();
      }
    }
    return exit;
  }
}
