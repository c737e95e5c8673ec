package io.vmimport.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Maps one source network to a Harvester network (namespace/name). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NetworkMapping {
  public String destinationNetwork;
  public NetworkInterfaceModel networkInterfaceModel;
  public String sourceNetwork;
}
