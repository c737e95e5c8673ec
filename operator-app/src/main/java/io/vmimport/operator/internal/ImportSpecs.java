package io.vmimport.operator.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.resources.MigrationResources;
import io.vmimport.resources.NamespacePolicy;
import io.vmimport.resources.ResourceField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VirtualMachineImport object as the engine's {@link ImportSpec}, through the translation the
 * {@code vmimport} command uses too ({@link MigrationResources}).
 */
public final class ImportSpecs {
  private static final Logger log = LoggerFactory.getLogger(ImportSpecs.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private ImportSpecs() {}

  public static ImportRef ref(VirtualMachineImport vmi) {
    return new ImportRef(
        vmi.getMetadata().getNamespace(), vmi.getMetadata().getName(), vmi.getMetadata().getUid());
  }

  /**
   * The import's spec, its source checked against {@code policy}.
   *
   * @throws VmImportException {@code INVALID_SPEC} naming the field (the message goes into the
   *     import's own status, so it does not name the import)
   */
  public static ImportSpec from(VirtualMachineImport vmi, NamespacePolicy policy) {
    String namespace = vmi.getMetadata().getNamespace();
    ResourceField object = ResourceField.root("", JSON.valueToTree(vmi));
    ImportSpec spec =
        MigrationResources.withAnnotations(
            MigrationResources.importSpec(
                object.get("spec"),
                namespace,
                // the API server prunes unknown fields; a typed object has none left to warn about
                warning -> log.warn("{}: {}", ref(vmi), warning)),
            object.get("metadata"));
    policy.checkSource("", namespace, spec.sourceCluster());
    return spec;
  }
}
