package io.vmimport.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** Import state of one disk. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DiskInfo {
  // upstream's Go field has no json tag, so the key is the Go field name with a capital V
  @JsonProperty("VirtualMachineImage")
  public String virtualMachineImage;

  public String busType;
  public List<Condition> diskConditions;
  public String diskLocalPath;
  public String diskName;
  public String diskRoute;
  public Long diskSize;
}
