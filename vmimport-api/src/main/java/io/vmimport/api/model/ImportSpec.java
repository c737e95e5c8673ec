package io.vmimport.api.model;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.guest.GuestConversionPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The spec of a VirtualMachineImport, field for field (see
 * charts/vmimport-operator/docs/COMPAT.md). Defaults follow vm-import-controller: NIC model and
 * disk bus {@code virtio}, graceful shutdown timeout 60 s.
 *
 * @param folder VMware only: folder path below {@code <dc>/vm}
 * @param storageClass empty for Harvester's default class
 * @param sourceOptions per-import choices the source provider reads when it describes the VM (the
 *     OVA provider's {@code deploymentOption}); from annotations {@code source.vmimport.io/<key>}
 *     on the VirtualMachineImport, since upstream's CRD has no field for them
 * @param guestConversion ours, not a spec field: the import's annotation {@code
 *     vmimport.io/guest-conversion}; empty for the engine's setting
 */
public record ImportSpec(
    SourceRef sourceCluster,
    String virtualMachineName,
    Optional<String> folder,
    List<NetworkMapping> networkMapping,
    NicModel defaultNetworkInterfaceModel,
    Optional<String> storageClass,
    DiskBus defaultDiskBusType,
    boolean forcePowerOff,
    Duration gracefulShutdownTimeout,
    boolean skipPreflightChecks,
    Map<String, String> sourceOptions,
    Optional<GuestConversionPolicy> guestConversion) {
  public static final Duration DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT = Duration.ofSeconds(60);

  public ImportSpec {
    requireNonNull(sourceCluster, "sourceCluster is null");
    requireNonNull(virtualMachineName, "virtualMachineName is null");
    requireNonNull(folder, "folder is null");
    networkMapping = List.copyOf(requireNonNull(networkMapping, "networkMapping is null"));
    requireNonNull(defaultNetworkInterfaceModel, "defaultNetworkInterfaceModel is null");
    requireNonNull(storageClass, "storageClass is null");
    requireNonNull(defaultDiskBusType, "defaultDiskBusType is null");
    requireNonNull(gracefulShutdownTimeout, "gracefulShutdownTimeout is null");
    requireNonNull(guestConversion, "guestConversion is null");
    if (gracefulShutdownTimeout.isNegative() || gracefulShutdownTimeout.isZero()) {
      gracefulShutdownTimeout = DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT;
    }
    sourceOptions = Map.copyOf(requireNonNull(sourceOptions, "sourceOptions is null"));
  }

  /** A spec without source options and guest conversion choice. */
  public ImportSpec(
      SourceRef sourceCluster,
      String virtualMachineName,
      Optional<String> folder,
      List<NetworkMapping> networkMapping,
      NicModel defaultNetworkInterfaceModel,
      Optional<String> storageClass,
      DiskBus defaultDiskBusType,
      boolean forcePowerOff,
      Duration gracefulShutdownTimeout,
      boolean skipPreflightChecks) {
    this(
        sourceCluster,
        virtualMachineName,
        folder,
        networkMapping,
        defaultNetworkInterfaceModel,
        storageClass,
        defaultDiskBusType,
        forcePowerOff,
        gracefulShutdownTimeout,
        skipPreflightChecks,
        Map.of(),
        Optional.empty());
  }

  public static Builder builder(SourceRef sourceCluster, String virtualMachineName) {
    return new Builder(sourceCluster, virtualMachineName);
  }

  public Builder toBuilder() {
    Builder builder = new Builder(sourceCluster, virtualMachineName);
    builder.folder = folder;
    builder.networkMapping.addAll(networkMapping);
    builder.defaultNetworkInterfaceModel = defaultNetworkInterfaceModel;
    builder.storageClass = storageClass;
    builder.defaultDiskBusType = defaultDiskBusType;
    builder.forcePowerOff = forcePowerOff;
    builder.gracefulShutdownTimeout = gracefulShutdownTimeout;
    builder.skipPreflightChecks = skipPreflightChecks;
    builder.sourceOptions.putAll(sourceOptions);
    builder.guestConversion = guestConversion;
    return builder;
  }

  public static final class Builder {
    private final SourceRef sourceCluster;
    private final String virtualMachineName;
    private Optional<String> folder = Optional.empty();
    private final List<NetworkMapping> networkMapping = new ArrayList<>();
    private NicModel defaultNetworkInterfaceModel = NicModel.VIRTIO;
    private Optional<String> storageClass = Optional.empty();
    private DiskBus defaultDiskBusType = DiskBus.VIRTIO;
    private boolean forcePowerOff;
    private Duration gracefulShutdownTimeout = DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT;
    private boolean skipPreflightChecks;
    private final Map<String, String> sourceOptions = new LinkedHashMap<>();
    private Optional<GuestConversionPolicy> guestConversion = Optional.empty();

    private Builder(SourceRef sourceCluster, String virtualMachineName) {
      this.sourceCluster = requireNonNull(sourceCluster, "sourceCluster is null");
      this.virtualMachineName = requireNonNull(virtualMachineName, "virtualMachineName is null");
    }

    public Builder folder(String folder) {
      this.folder = Optional.of(folder);
      return this;
    }

    public Builder addNetworkMapping(NetworkMapping mapping) {
      networkMapping.add(requireNonNull(mapping, "mapping is null"));
      return this;
    }

    public Builder defaultNetworkInterfaceModel(NicModel model) {
      this.defaultNetworkInterfaceModel = requireNonNull(model, "model is null");
      return this;
    }

    public Builder storageClass(String storageClass) {
      this.storageClass = Optional.of(storageClass);
      return this;
    }

    public Builder defaultDiskBusType(DiskBus bus) {
      this.defaultDiskBusType = requireNonNull(bus, "bus is null");
      return this;
    }

    public Builder forcePowerOff(boolean forcePowerOff) {
      this.forcePowerOff = forcePowerOff;
      return this;
    }

    /** A zero or negative timeout means the default, 60 s, as upstream. */
    public Builder gracefulShutdownTimeout(Duration timeout) {
      this.gracefulShutdownTimeout = requireNonNull(timeout, "timeout is null");
      return this;
    }

    public Builder skipPreflightChecks(boolean skip) {
      this.skipPreflightChecks = skip;
      return this;
    }

    /** A per-import choice for the source provider; see {@link ImportSpec#sourceOptions()}. */
    public Builder sourceOption(String key, String value) {
      sourceOptions.put(requireNonNull(key, "key is null"), requireNonNull(value, "value is null"));
      return this;
    }

    public Builder guestConversion(GuestConversionPolicy policy) {
      this.guestConversion = Optional.of(requireNonNull(policy, "policy is null"));
      return this;
    }

    public ImportSpec build() {
      return new ImportSpec(
          sourceCluster,
          virtualMachineName,
          folder,
          networkMapping,
          defaultNetworkInterfaceModel,
          storageClass,
          defaultDiskBusType,
          forcePowerOff,
          gracefulShutdownTimeout,
          skipPreflightChecks,
          sourceOptions,
          guestConversion);
    }
  }
}
