package io.vmimport.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Spec of an OpenstackSource. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OpenstackSourceSpec {
  public CredentialsReference credentials;
  public String endpoint;
  public String region;
  public Long uploadImageRetryCount;
  public Long uploadImageRetryDelay;
}
