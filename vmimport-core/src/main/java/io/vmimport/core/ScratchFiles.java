package io.vmimport.core;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.DnsNames;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.ImportRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The layout of a scratch directory, decided here and nowhere else, so that the engine and a target
 * writing to the same scratch volume cannot disagree about where an import's files are:
 *
 * <pre>
 * &lt;scratch&gt;/&lt;namespace&gt;/&lt;name&gt;/              a target's files of one import (converted disks it serves)
 * &lt;scratch&gt;/&lt;namespace&gt;_&lt;name&gt;/              what the engine downloads before converting it
 * &lt;scratch&gt;/&lt;namespace&gt;_&lt;name&gt;/disk-0.vmdk   one staged download
 * </pre>
 *
 * Namespace and name are DNS-1123 labels ({@link DnsNames#toLabel}), which hold no {@code _}: the
 * two folders of one import never clash with each other or with another import's, and imports of
 * one name in two namespaces never share a folder. The two live apart because they live for
 * different times: the engine removes its staging folder whole when a run ends, however it ends,
 * while a target's disks outlive the run until the target has what it needs from them; neither
 * removal can touch the other's files, and neither removes a parent another import may be creating.
 */
public final class ScratchFiles {
  private final Path root;

  public ScratchFiles(Path root) {
    this.root = requireNonNull(root, "root is null");
  }

  public Path root() {
    return root;
  }

  /** The folder of a target's files of one import: {@code <scratch>/<namespace>/<name>}. */
  public Path importDir(ImportRef ref) {
    return root.resolve(DnsNames.toLabel(ref.namespace())).resolve(DnsNames.toLabel(ref.name()));
  }

  /** Where the engine stages downloads of {@code ref}: {@code <scratch>/<namespace>_<name>}. */
  public Path stagingDir(ImportRef ref) {
    return root.resolve(DnsNames.toLabel(ref.namespace()) + "_" + DnsNames.toLabel(ref.name()));
  }

  /** The staged download of one disk, e.g. {@code <scratch>/default_web/disk-0.vmdk}. */
  public Path stagedFile(ImportRef ref, String diskName, DiskFormat format) {
    return stagingDir(ref).resolve(diskName + "." + format.id());
  }

  /** Removes what the engine staged for {@code ref}; nothing when there is nothing. */
  public void removeStaging(ImportRef ref) throws IOException {
    deleteTree(stagingDir(ref));
  }

  /** Removes a target's folder of {@code ref} with everything in it; nothing when absent. */
  public void removeImport(ImportRef ref) throws IOException {
    deleteTree(importDir(ref));
  }

  /** Deletes {@code dir} and everything below it; nothing when it does not exist. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
