package io.vmimport.core.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NetworkMapping;
import io.vmimport.api.source.ValidationIssue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Checks an import spec on its own, before anything remote happens. */
public final class SpecValidator {
  public static final String API_VERSION = "migration.harvesterhci.io/v1beta1";

  private SpecValidator() {}

  public static List<ValidationIssue> validate(ImportRequest request) {
    ImportSpec spec = request.spec();
    List<ValidationIssue> issues = new ArrayList<>();
    if (spec.virtualMachineName().isBlank()) {
      issues.add(
          ValidationIssue.error(ErrorCode.INVALID_SPEC, "spec.virtualMachineName", "is required"));
    }
    if (!API_VERSION.equals(spec.sourceCluster().apiVersion())) {
      issues.add(
          ValidationIssue.error(
              ErrorCode.INVALID_SPEC,
              "spec.sourceCluster.apiVersion",
              "must be " + API_VERSION + ", not '" + spec.sourceCluster().apiVersion() + "'"));
    }
    if (spec.sourceCluster().name().isBlank()) {
      issues.add(
          ValidationIssue.error(ErrorCode.INVALID_SPEC, "spec.sourceCluster.name", "is required"));
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < spec.networkMapping().size(); i++) {
      NetworkMapping mapping = spec.networkMapping().get(i);
      String field = "spec.networkMapping[" + i + "]";
      if (mapping.sourceNetwork().isBlank()) {
        issues.add(
            ValidationIssue.error(ErrorCode.INVALID_SPEC, field + ".sourceNetwork", "is required"));
      } else {
        Integer first = seen.putIfAbsent(mapping.sourceNetwork(), i);
        if (first != null) {
          issues.add(
              ValidationIssue.error(
                  ErrorCode.INVALID_SPEC,
                  field + ".sourceNetwork",
                  "'"
                      + mapping.sourceNetwork()
                      + "' is already mapped by spec.networkMapping["
                      + first
                      + "]; map each source network once"));
        }
      }
      try {
        NetworkMapper.parseDestination(mapping.destinationNetwork(), request.ref().namespace());
      } catch (IllegalArgumentException e) {
        issues.add(
            ValidationIssue.error(
                ErrorCode.INVALID_SPEC, field + ".destinationNetwork", e.getMessage()));
      }
    }
    return List.copyOf(issues);
  }
}
