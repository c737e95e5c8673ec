package io.vmimport.target.harvester.internal;

import static io.vmimport.target.harvester.internal.HarvesterKeys.COMPLETED_ANNOTATION;
import static io.vmimport.target.harvester.internal.HarvesterKeys.IMPORT_LABEL;
import static io.vmimport.target.harvester.internal.HarvesterKeys.IMPORT_UID_LABEL;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which Harvester objects an import made. Names come back (an import deleted and created again for
 * another VM has the same name), so an object is this import's only when it carries the import's
 * uid; anything else with a name the import needs is a conflict, never adopted and never deleted.
 */
public final class ImportOwnership {
  private ImportOwnership() {}

  /** The labels every object an import makes carries. */
  public static Map<String, String> labels(ImportRef ref) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(IMPORT_LABEL, KubeNames.labelValue(ref.name()));
    labels.put(IMPORT_UID_LABEL, uidLabel(ref));
    return labels;
  }

  /** Selects the objects of one import (an equality selector: plain REST, the mock does it too). */
  public static Map<String, String> selector(ImportRef ref) {
    return Map.of(IMPORT_UID_LABEL, uidLabel(ref));
  }

  /** Whether {@code object} was made by the import {@code ref}. */
  public static boolean madeBy(HasMetadata object, ImportRef ref) {
    Map<String, String> labels = object.getMetadata().getLabels();
    return labels != null && uidLabel(ref).equals(labels.get(IMPORT_UID_LABEL));
  }

  /** Whether the import's VM ran, so that what it made outlives the import. */
  public static boolean completed(HasMetadata object) {
    Map<String, String> annotations = object.getMetadata().getAnnotations();
    return annotations != null && "true".equals(annotations.get(COMPLETED_ANNOTATION));
  }

  /**
   * The message of a name clash with {@code existing}, which the import did not make.
   *
   * @param remedy what the user can do about it
   */
  public static String conflictMessage(
      String kind, HasMetadata existing, ImportRef ref, String remedy) {
    return kind
        + " "
        + existing.getMetadata().getNamespace()
        + "/"
        + existing.getMetadata().getName()
        + " already exists and was not made by import "
        + ref
        + " (uid "
        + ref.uid()
        + "), so it is neither used nor deleted: "
        + remedy;
  }

  public static VmImportException conflict(
      String kind, HasMetadata existing, ImportRef ref, String remedy) {
    return conflict(kind, existing, ref, remedy, null);
  }

  /**
   * @param cause the refused create, if that is how the clash was found
   */
  public static VmImportException conflict(
      String kind, HasMetadata existing, ImportRef ref, String remedy, Throwable cause) {
    return new VmImportException(
        ErrorCode.CONFLICT, conflictMessage(kind, existing, ref, remedy), cause, false);
  }

  private static String uidLabel(ImportRef ref) {
    return KubeNames.labelValue(ref.uid());
  }
}
