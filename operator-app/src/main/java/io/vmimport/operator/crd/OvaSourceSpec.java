package io.vmimport.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Spec of an OvaSource. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OvaSourceSpec {
  public CredentialsReference credentials;
  public Long httpTimeoutSeconds;
  public String url;
}
