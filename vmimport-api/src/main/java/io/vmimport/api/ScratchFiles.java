package io.vmimport.api;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.ImportRef;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The layout of a scratch directory, decided here and nowhere else. The engine and every target
 * that keeps files in scratch (the Harvester target's converted disks) place an import's files
 * through this class, so they cannot disagree about where they are:
 *
 * <pre>
 * &lt;scratch&gt;/&lt;namespace&gt;/&lt;name&gt;/                     one import's folder: all its files, nothing else
 * &lt;scratch&gt;/&lt;namespace&gt;/&lt;name&gt;/staging/             what the engine downloads before converting it
 * &lt;scratch&gt;/&lt;namespace&gt;/&lt;name&gt;/staging/disk-0.vmdk  one staged download
 * &lt;scratch&gt;/&lt;namespace&gt;/&lt;name&gt;/target/              the target's files of the import
 * </pre>
 *
 * <p>Namespace and name are each a folder of their own, as DNS-1123 labels ({@link
 * DnsNames#toLabel}, which keeps names apart that differ only in case or punctuation). Joining them
 * into one name would let two imports meet: {@code a_b/c} and {@code a/b_c} flatten alike. Here
 * every import has exactly one folder, imports of one name in two namespaces never share one, and
 * one import's files are found (and its leftovers removed) in one place.
 *
 * <p>Staging and target files live in two subfolders because they live for different times: the
 * engine removes its staging whole when a run ends, however it ends, while a target's disks outlive
 * the run until the target has what it needs from them. Neither removal touches the other's files;
 * the import's folder goes with the last of the two. The namespace's folder stays: another import
 * may be creating its folder in it.
 */
public final class ScratchFiles {
  /** The engine's subfolder of an import's folder. */
  public static final String STAGING = "staging";

  /** The target's subfolder of an import's folder. */
  public static final String TARGET = "target";

  private final Path root;

  public ScratchFiles(Path root) {
    this.root = requireNonNull(root, "root is null").toAbsolutePath();
  }

  public Path root() {
    return root;
  }

  /** The folder of everything an import keeps in scratch: {@code <scratch>/<namespace>/<name>}. */
  public Path importDir(ImportRef ref) {
    return root.resolve(DnsNames.toLabel(ref.namespace())).resolve(DnsNames.toLabel(ref.name()));
  }

  /** Where the engine stages downloads of {@code ref}: {@code <import folder>/staging}. */
  public Path stagingDir(ImportRef ref) {
    return importDir(ref).resolve(STAGING);
  }

  /** The staged download of one disk, e.g. {@code <scratch>/default/web/staging/disk-0.vmdk}. */
  public Path stagedFile(ImportRef ref, String diskName, DiskFormat format) {
    return stagingDir(ref).resolve(diskName + "." + format.id());
  }

  /** Where a target keeps its files of {@code ref}: {@code <import folder>/target}. */
  public Path targetDir(ImportRef ref) {
    return importDir(ref).resolve(TARGET);
  }

  /** Removes what the engine staged for {@code ref}; nothing when there is nothing. */
  public void removeStaging(ImportRef ref) throws IOException {
    deleteTree(stagingDir(ref));
    removeImportDirIfEmpty(ref);
  }

  /** Removes a target's files of {@code ref} with everything in them; nothing when absent. */
  public void removeTargetFiles(ImportRef ref) throws IOException {
    deleteTree(targetDir(ref));
    removeImportDirIfEmpty(ref);
  }

  private void removeImportDirIfEmpty(ImportRef ref) throws IOException {
    try {
      Files.delete(importDir(ref));
    } catch (DirectoryNotEmptyException | NoSuchFileException stillInUseOrGone) {
      // the other part's files are still there, or neither part ever wrote: the folder stays as is
    }
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
