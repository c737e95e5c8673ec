package io.vmimport.api.target;

import java.net.URI;

/**
 * A target that can take a disk served by someone else, at a URL, rather than a file of this
 * process: the operator's Harvester target, when the disks are exported and served by workers on
 * other nodes (Kubernetes Jobs).
 */
public interface RemoteImageTarget extends ImportTarget {
  /**
   * As {@link #publish(TargetVm, TargetDisk, java.nio.file.Path)}, for a disk in this target's
   * {@link #diskFormat()} served at {@code url}. Idempotent the same way: an image of this disk
   * that downloads from {@code url} and has not failed is returned, not made again.
   */
  PublishedImage publish(TargetVm vm, TargetDisk disk, URI url);
}
