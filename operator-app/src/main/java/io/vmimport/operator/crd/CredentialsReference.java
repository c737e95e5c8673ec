package io.vmimport.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The Secret holding a source's credentials (Go: corev1.SecretReference). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CredentialsReference {
  public String name;
  public String namespace;
}
