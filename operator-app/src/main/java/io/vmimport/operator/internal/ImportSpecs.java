package io.vmimport.operator.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NetworkMapping;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceRef;
import io.vmimport.operator.crd.NetworkInterfaceModel;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.operator.crd.VirtualMachineImportSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A VirtualMachineImport object as the engine's {@link ImportSpec}. */
public final class ImportSpecs {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ImportSpecs() {}

  public static ImportRef ref(VirtualMachineImport vmi) {
    return new ImportRef(
        vmi.getMetadata().getNamespace(), vmi.getMetadata().getName(), vmi.getMetadata().getUid());
  }

  /**
   * @throws VmImportException {@code INVALID_SPEC} naming the field
   */
  public static ImportSpec from(VirtualMachineImport vmi) {
    VirtualMachineImportSpec spec = vmi.getSpec();
    if (spec == null) {
      throw new VmImportException(ErrorCode.INVALID_SPEC, "spec: is required");
    }
    ObjectReference cluster = spec.sourceCluster;
    if (cluster == null) {
      throw new VmImportException(ErrorCode.INVALID_SPEC, "spec.sourceCluster: is required");
    }
    SourceRef source =
        new SourceRef(
            text(cluster.getApiVersion()),
            text(cluster.getKind()),
            text(cluster.getName()),
            text(cluster.getNamespace()).isEmpty()
                ? vmi.getMetadata().getNamespace()
                : cluster.getNamespace());
    ImportSpec.Builder builder = ImportSpec.builder(source, text(spec.virtualMachineName));
    if (!text(spec.folder).isEmpty()) {
      builder.folder(spec.folder);
    }
    List<io.vmimport.operator.crd.NetworkMapping> mappings =
        spec.networkMapping == null ? List.of() : spec.networkMapping;
    for (int i = 0; i < mappings.size(); i++) {
      io.vmimport.operator.crd.NetworkMapping mapping = mappings.get(i);
      builder.addNetworkMapping(
          new NetworkMapping(
              text(mapping.sourceNetwork),
              text(mapping.destinationNetwork),
              model(
                  mapping.networkInterfaceModel,
                  "spec.networkMapping[" + i + "].networkInterfaceModel")));
    }
    model(spec.defaultNetworkInterfaceModel, "spec.defaultNetworkInterfaceModel")
        .ifPresent(builder::defaultNetworkInterfaceModel);
    if (!text(spec.storageClass).isEmpty()) {
      builder.storageClass(spec.storageClass);
    }
    if (!text(spec.defaultDiskBusType).isEmpty()) {
      builder.defaultDiskBusType(DiskBus.parse(spec.defaultDiskBusType, "spec.defaultDiskBusType"));
    }
    if (spec.forcePowerOff != null) {
      builder.forcePowerOff(spec.forcePowerOff);
    }
    if (spec.gracefulShutdownTimeoutSeconds != null) {
      builder.gracefulShutdownTimeout(Duration.ofSeconds(spec.gracefulShutdownTimeoutSeconds));
    }
    if (spec.skipPreflightChecks != null) {
      builder.skipPreflightChecks(spec.skipPreflightChecks);
    }
    return builder.build();
  }

  private static Optional<NicModel> model(NetworkInterfaceModel model, String field) {
    if (model == null || model == NetworkInterfaceModel.UNSET) {
      return Optional.empty();
    }
    // the CRD enum's JSON value is upstream's string, which NicModel parses
    return Optional.of(NicModel.parse(JSON.convertValue(model, String.class), field));
  }

  private static String text(String value) {
    return value == null ? "" : value.trim();
  }
}
