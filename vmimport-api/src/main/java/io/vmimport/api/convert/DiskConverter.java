package io.vmimport.api.convert;

import java.nio.file.Path;

/**
 * Disk format detection and conversion, found with {@link java.util.ServiceLoader}. Both calls
 * block; interrupting the calling thread cancels the work, removes partial output and throws {@link
 * io.vmimport.api.VmImportException} with code {@code CANCELLED}.
 */
public interface DiskConverter {
  /**
   * Detects format and sizes of an image file.
   *
   * @throws io.vmimport.api.VmImportException {@code CONVERSION_FAILED} for an unreadable file
   */
  DiskInfo inspect(Path image);

  /**
   * Converts an image, writing the target sparsely. Progress is reported in percent (total 100).
   *
   * @throws io.vmimport.api.VmImportException {@code CONVERSION_FAILED} for corrupt input (no
   *     partial output remains)
   */
  void convert(ConversionRequest request, ProgressListener progress);
}
