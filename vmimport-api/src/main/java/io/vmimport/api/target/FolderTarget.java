package io.vmimport.api.target;

import io.vmimport.api.model.ImportRef;
import java.nio.file.Path;

/**
 * A target whose output is files, each import's in a folder of its own (the directory target). A
 * target that adds files of its own to that output, such as the offline Harvester manifests, wraps
 * one of these and writes beside its files without knowing how the folders are laid out.
 */
public interface FolderTarget extends ImportTarget {
  /** The folder holding the files of the import {@code ref}: its disks and VM description. */
  Path importDir(ImportRef ref);
}
