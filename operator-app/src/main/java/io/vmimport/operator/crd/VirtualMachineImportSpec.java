package io.vmimport.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.ObjectReference;
import java.util.List;

/** Spec of a VirtualMachineImport. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VirtualMachineImportSpec {
  public String defaultDiskBusType;
  public NetworkInterfaceModel defaultNetworkInterfaceModel;
  public String folder;
  public Boolean forcePowerOff;
  public Long gracefulShutdownTimeoutSeconds;
  public List<NetworkMapping> networkMapping;
  public Boolean skipPreflightChecks;
  public ObjectReference sourceCluster;
  public String storageClass;
  public String virtualMachineName;
}
