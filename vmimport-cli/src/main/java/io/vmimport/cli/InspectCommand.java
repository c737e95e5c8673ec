package io.vmimport.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.VmLocator;
import io.vmimport.cli.ResourceOptions.ResolvedImport;
import io.vmimport.core.EngineConfig;
import io.vmimport.core.ImportEngine;
import io.vmimport.core.InMemoryCheckpointStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Prints the source VM an import names, in neutral form. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    header = "Prints the source VM an import names (JSON or YAML).",
    description = {
      "Looks up the VM a VirtualMachineImport names (spec.virtualMachineName and spec.folder) on"
          + " its source and prints it: name, id, cpu {sockets, coresPerSocket, vcpus},"
          + " memoryMiB, firmware {type, secureBoot, tpm}, disks [{index, key, name,"
          + " capacityBytes, bus, bootOrder}], nics [{index, macAddress, model, network}],"
          + " description, guestOs. Absent values are null. Changes nothing on the source.",
      "With several imports in the file, choose one with --import.",
    },
    footerHeading = ExitCodes.HEADING,
    footer = ExitCodes.FOOTER)
final class InspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ResourceOptions resources;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "yaml",
      description = "json or yaml (default: ${DEFAULT-VALUE}).")
  String output;

  @Override
  public Integer call() throws JsonProcessingException {
    String format = output.toLowerCase(Locale.ROOT);
    if (!format.equals("json") && !format.equals("yaml")) {
      throw new ParameterException(
          spec.commandLine(), "--output: '" + output + "' is not one of [json, yaml]");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ResourceFile file = resources.read(err, System.in);
    EngineConfig config =
        EngineConfig.builder(Path.of(System.getProperty("java.io.tmpdir"))).build();
    try (ImportEngine engine = EngineFactory.create(config, new InMemoryCheckpointStore())) {
      List<ResolvedImport> imports = resources.resolve(file, engine.providers());
      if (imports.size() > 1) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            file.fileName()
                + ": has "
                + imports.size()
                + " VirtualMachineImports "
                + imports.stream().map(i -> i.request().ref().toString()).toList()
                + "; choose one with --import");
      }
      ResolvedImport selected = imports.get(0);
      SourceVm vm;
      try {
        vm = engine.inspect(selected.request().source(), VmLocator.of(selected.request().spec()));
      } catch (VmImportException e) {
        throw ResourceOptions.about(selected.described(), e);
      }
      ObjectMapper mapper =
          format.equals("json")
              ? new ObjectMapper()
              : new YAMLMapper().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER);
      out.println(
          mapper
              .enable(SerializationFeature.INDENT_OUTPUT)
              .writeValueAsString(SourceVmView.of(vm))
              .stripTrailing());
      out.flush();
    }
    return ExitCodes.SUCCESS;
  }
}
