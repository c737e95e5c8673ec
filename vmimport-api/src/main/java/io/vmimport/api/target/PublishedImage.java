package io.vmimport.api.target;

import static java.util.Objects.requireNonNull;

/**
 * A disk handed to the target.
 *
 * @param diskName the target disk's name, {@code disk-<i>}
 * @param imageName the target's name for the image (a VirtualMachineImage, a file name)
 * @param location where the image is: a URL or a path, for status and messages
 */
public record PublishedImage(String diskName, String imageName, String location) {
  public PublishedImage {
    requireNonNull(diskName, "diskName is null");
    requireNonNull(imageName, "imageName is null");
    requireNonNull(location, "location is null");
  }
}
