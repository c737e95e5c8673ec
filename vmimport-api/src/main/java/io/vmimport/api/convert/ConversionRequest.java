package io.vmimport.api.convert;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.DiskFormat;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Convert {@code source} into {@code target}, which must not exist yet.
 *
 * @param sourceFormat the input's format when known; detected otherwise
 */
public record ConversionRequest(
    Path source, Optional<DiskFormat> sourceFormat, Path target, DiskFormat targetFormat) {
  public ConversionRequest {
    requireNonNull(source, "source is null");
    requireNonNull(sourceFormat, "sourceFormat is null");
    requireNonNull(target, "target is null");
    requireNonNull(targetFormat, "targetFormat is null");
  }
}
