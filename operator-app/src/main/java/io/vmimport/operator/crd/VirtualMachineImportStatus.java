package io.vmimport.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** Status of a VirtualMachineImport. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VirtualMachineImportStatus {
  public List<DiskInfo> diskImportStatus;
  public List<Condition> importConditions;
  public String importStatus;
  public String importedVirtualMachineName;
  public String newVirtualMachine;
}
