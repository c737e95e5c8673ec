package io.vmimport.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** Status shared by the three source kinds. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SourceStatus {
  public List<Condition> conditions;
  public String status;
}
