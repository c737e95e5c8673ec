package io.vmimport.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Spec of a VmwareSource. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VmwareSourceSpec {
  public CredentialsReference credentials;
  public String dc;
  public String endpoint;
}
