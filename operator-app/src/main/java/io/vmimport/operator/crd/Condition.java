package io.vmimport.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One condition of a source or import, as vm-import-controller writes it (all strings). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Condition {
  public String lastTransitionTime;
  public String lastUpdateTime;
  public String message;
  public String reason;
  public String status;
  public String type;
}
