package io.vmimport.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The top command; the work is done by its subcommands. */
@Command(
    name = "vmimport",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Imports virtual machines from vSphere and OpenStack (or any source provider on the class"
          + " path) as disk images, Harvester manifests and a VM description, reading the same resources as Harvester's"
          + " vm-import-controller: Secrets, *Source objects and VirtualMachineImports.",
    },
    subcommands = {
      ImportCommand.class,
      InspectCommand.class,
      ValidateCommand.class,
      ServeCommand.class
    },
    footerHeading = ExitCodes.HEADING,
    footer = {ExitCodes.FOOTER, "", "See 'vmimport <command> --help' and vmimport-cli/README.md."})
final class VmimportCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Log at INFO level on stderr (default: WARN).")
  boolean verbose;

  boolean verbose() {
    return verbose;
  }

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "missing command: choose one of import, inspect, validate, serve");
  }
}
