package io.vmimport.target.harvester;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.target.harvester.internal.ImageRenderer.ImageStorage;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The storage of an offline import's images, decided without a cluster to ask: the storage class
 * (the import's {@code spec.storageClass}, else the default class) and the backend it implies by
 * charts/vmimport-operator/docs/COMPAT.md's rule (Longhorn v1 → {@code backingimage}, else {@code
 * cdi}).
 *
 * <p>Either from the cluster's storage classes as {@code kubectl get storageclass -o yaml} lists
 * them ({@link #of}), which applies the rule exactly, or, without them, from what a standard
 * Harvester has ({@link #harvesterDefaults}): its classes, the default {@value #STOCK_DEFAULT}
 * among them, are Longhorn v1, so every image is a backing image.
 */
public final class OfflineStorage {
  /** The default storage class of a standard Harvester installation (Longhorn v1). */
  public static final String STOCK_DEFAULT = "harvester-longhorn";

  /** The annotation marking the cluster's default storage class. */
  static final String DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";

  private final Optional<String> origin;
  private final List<StorageClass> classes;

  private OfflineStorage(Optional<String> origin, List<StorageClass> classes) {
    this.origin = origin;
    this.classes = List.copyOf(classes);
  }

  /** Assumes a standard Harvester: every class a Longhorn v1 class. */
  public static OfflineStorage harvesterDefaults() {
    return new OfflineStorage(Optional.empty(), List.of());
  }

  /**
   * The classes of the cluster the output is for.
   *
   * @param origin where they were read, for messages (e.g. the file's name)
   */
  public static OfflineStorage of(String origin, List<StorageClass> classes) {
    requireNonNull(origin, "origin is null");
    requireNonNull(classes, "classes is null");
    return new OfflineStorage(Optional.of(origin), classes);
  }

  /** An error against {@code spec.storageClass} when the storage cannot be decided. */
  public List<ValidationIssue> check(Optional<String> storageClass) {
    try {
      storageFor(storageClass);
      return List.of();
    } catch (VmImportException e) {
      return List.of(ValidationIssue.error(e.code(), "spec.storageClass", e.getMessage()));
    }
  }

  /**
   * The class and backend of the images of an import asking for {@code storageClass}.
   *
   * @throws VmImportException INVALID_SPEC when the class is not among the cluster's classes, or
   *     none is named and the cluster has no default
   */
  ImageStorage storageFor(Optional<String> storageClass) {
    if (origin.isEmpty()) {
      return new ImageStorage(storageClass, ImageBackend.BACKING_IMAGE);
    }
    StorageClass chosen = storageClass.isPresent() ? named(storageClass.get()) : defaultClass();
    return new ImageStorage(chosen.getMetadata().getName(), ImageBackend.forStorageClass(chosen));
  }

  /** One sentence on how the backend was chosen, for the output's README. */
  public String explain(Optional<String> storageClass) {
    ImageStorage storage = storageFor(storageClass);
    String backend = "`" + storage.backend().wireValue() + "`";
    if (origin.isPresent()) {
      return "The images use storage class `"
          + storage.storageClass().orElseThrow()
          + "`"
          + (storageClass.isEmpty() ? " (the cluster's default)" : "")
          + " and so the "
          + backend
          + " backend, from the storage classes in "
          + origin.get()
          + ".";
    }
    return "The images use the "
        + backend
        + " backend: "
        + storageClass
            .map(name -> "storage class `" + name + "` is")
            .orElse(
                "without spec.storageClass, Harvester's default class (`" + STOCK_DEFAULT + "`) is")
        + " assumed to be Longhorn v1, as Harvester's own classes are. If it is not, run the"
        + " import again with `--storage-classes` (the output of `kubectl get storageclass -o"
        + " yaml`).";
  }

  private StorageClass named(String name) {
    return classes.stream()
        .filter(c -> name.equals(c.getMetadata().getName()))
        .findFirst()
        .orElseThrow(
            () ->
                new VmImportException(
                    ErrorCode.INVALID_SPEC,
                    "storage class '"
                        + name
                        + "' is not in "
                        + origin.get()
                        + "; it has "
                        + names()));
  }

  private StorageClass defaultClass() {
    List<StorageClass> defaults =
        classes.stream()
            .filter(
                c -> {
                  Map<String, String> annotations = c.getMetadata().getAnnotations();
                  return annotations != null
                      && "true".equals(annotations.get(DEFAULT_CLASS_ANNOTATION));
                })
            .toList();
    if (defaults.size() != 1) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          (defaults.isEmpty() ? "no default storage class" : "several default storage classes")
              + " in "
              + origin.get()
              + "; name one of "
              + names()
              + " in spec.storageClass");
    }
    return defaults.get(0);
  }

  private List<String> names() {
    return classes.stream().map(c -> c.getMetadata().getName()).toList();
  }
}
