package io.vmimport.core.internal;

import io.vmimport.api.DnsNames;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NetworkMapping;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.target.NetworkAttachment;
import io.vmimport.api.target.TargetNic;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Maps source NICs to target networks. Each NIC is matched by its network name to {@code
 * networkMapping}; an unmatched NIC goes to the pod network, of which a VM may have only one.
 * (Upstream silently dropped unmatched NICs as soon as another NIC matched.)
 */
public final class NetworkMapper {
  /** The mapped NICs, and the issues that stop or concern the import. */
  public record Result(List<TargetNic> nics, List<ValidationIssue> issues) {
    public Result {
      nics = List.copyOf(nics);
      issues = List.copyOf(issues);
    }
  }

  private NetworkMapper() {}

  public static Result map(List<SourceNic> sourceNics, ImportSpec spec, String importNamespace) {
    List<TargetNic> nics = new ArrayList<>();
    List<ValidationIssue> issues = new ArrayList<>();
    List<SourceNic> unmatched = new ArrayList<>();
    Set<String> usedMappings = new HashSet<>();
    for (SourceNic nic : sourceNics) {
      NetworkMapping mapping =
          nic.network()
              .flatMap(
                  network ->
                      spec.networkMapping().stream()
                          .filter(m -> m.sourceNetwork().equals(network))
                          .findFirst())
              .orElse(null);
      String name = "nic-" + nic.index();
      NetworkAttachment attachment;
      NicModel model;
      if (mapping != null) {
        usedMappings.add(mapping.sourceNetwork());
        attachment = parseDestination(mapping.destinationNetwork(), importNamespace);
        model =
            mapping
                .networkInterfaceModel()
                .or(nic::model)
                .orElse(spec.defaultNetworkInterfaceModel());
      } else {
        unmatched.add(nic);
        attachment = NetworkAttachment.POD;
        model = nic.model().orElse(spec.defaultNetworkInterfaceModel());
      }
      nics.add(new TargetNic(name, nic, nic.macAddress(), model, attachment));
    }
    if (unmatched.size() > 1) {
      issues.add(
          ValidationIssue.error(
              ErrorCode.INVALID_SPEC,
              "spec.networkMapping",
              unmatched.size()
                  + " NICs have no network mapping, but only one can use the pod network: "
                  + unmatched.stream().map(NetworkMapper::describe).toList()
                  + "; add a networkMapping entry for all but one of them"));
    }
    for (int i = 0; i < spec.networkMapping().size(); i++) {
      NetworkMapping mapping = spec.networkMapping().get(i);
      if (!usedMappings.contains(mapping.sourceNetwork())) {
        // an error, not a warning: the NIC meant for it would land on the pod network unnoticed
        issues.add(
            ValidationIssue.error(
                ErrorCode.INVALID_SPEC,
                "spec.networkMapping[" + i + "].sourceNetwork",
                "'"
                    + mapping.sourceNetwork()
                    + "' matches no NIC of the VM; "
                    + networksOf(sourceNics)));
      }
    }
    return new Result(nics, issues);
  }

  /**
   * Reads {@code namespace/name} or {@code name} (in the import's namespace).
   *
   * @throws IllegalArgumentException saying what is wrong with the value
   */
  public static NetworkAttachment parseDestination(String value, String importNamespace) {
    String[] parts = value.split("/", -1);
    if (parts.length > 2) {
      throw new IllegalArgumentException("'" + value + "' must be <namespace>/<name> or <name>");
    }
    String namespace = parts.length == 2 ? parts[0] : importNamespace;
    String name = parts[parts.length - 1];
    if (!DnsNames.isLabel(namespace) || !DnsNames.isLabel(name)) {
      throw new IllegalArgumentException(
          "'"
              + value
              + "' is not a valid NetworkAttachmentDefinition reference"
              + " (lowercase letters, digits and '-', as <namespace>/<name> or <name>)");
    }
    return NetworkAttachment.multus(namespace, name);
  }

  /** The VM's networks as a user would copy them into {@code sourceNetwork}. */
  private static String networksOf(List<SourceNic> nics) {
    if (nics.isEmpty()) {
      return "the VM has no NICs";
    }
    List<String> networks =
        nics.stream()
            .map(
                nic ->
                    nic.network().map(n -> "'" + n + "'").orElse("none (NIC " + nic.index() + ")"))
            .distinct()
            .toList();
    return "the VM's networks are " + String.join(", ", networks);
  }

  private static String describe(SourceNic nic) {
    return "NIC "
        + nic.index()
        + " ("
        + nic.macAddress()
        + " on "
        + nic.network().map(n -> "'" + n + "'").orElse("no network")
        + ")";
  }
}
