package io.vmimport.converter.qemu;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.convert.DiskInfo;
import io.vmimport.api.model.DiskFormat;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What {@code qemu-img info --output=json} says about an image.
 *
 * @param format qemu's name of the format, which may be one vmimport does not handle
 * @param backingFile the image this one is a delta of, if any
 */
record QemuImgInfo(
    String format,
    long virtualSizeBytes,
    OptionalLong actualSizeBytes,
    Optional<String> backingFile) {
  private static final ObjectMapper JSON = new ObjectMapper();

  QemuImgInfo {
    requireNonNull(format, "format is null");
    requireNonNull(actualSizeBytes, "actualSizeBytes is null");
    requireNonNull(backingFile, "backingFile is null");
    if (virtualSizeBytes < 0) {
      throw new IllegalArgumentException("virtualSizeBytes is negative: " + virtualSizeBytes);
    }
  }

  /**
   * Parses the JSON of {@code qemu-img info --output=json}.
   *
   * @param image the file it describes, for messages
   * @throws VmImportException {@code CONVERSION_FAILED} when the output is not what qemu-img prints
   */
  static QemuImgInfo parse(String json, Path image) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw unreadable(image, "not JSON", e);
    }
    if (root == null || !root.isObject()) {
      throw unreadable(image, "not a JSON object", null);
    }
    JsonNode format = root.path("format");
    if (!format.isTextual() || format.asText().isEmpty()) {
      throw unreadable(image, "no \"format\"", null);
    }
    JsonNode virtualSize = root.path("virtual-size");
    if (!virtualSize.isIntegralNumber()
        || !virtualSize.canConvertToLong()
        || virtualSize.asLong() < 0) {
      throw unreadable(image, "no valid \"virtual-size\"", null);
    }
    JsonNode actualSize = root.path("actual-size");
    JsonNode backingFile = root.path("backing-filename");
    return new QemuImgInfo(
        format.asText(),
        virtualSize.asLong(),
        actualSize.isIntegralNumber() && actualSize.canConvertToLong() && actualSize.asLong() >= 0
            ? OptionalLong.of(actualSize.asLong())
            : OptionalLong.empty(),
        backingFile.isTextual() ? Optional.of(backingFile.asText()) : Optional.empty());
  }

  /**
   * The format as vmimport names it.
   *
   * @throws VmImportException {@code CONVERSION_FAILED} for a format vmimport does not handle
   */
  DiskFormat diskFormat(Path image) {
    for (DiskFormat candidate : DiskFormat.values()) {
      if (candidate.id().equals(format)) {
        return candidate;
      }
    }
    throw new VmImportException(
        ErrorCode.CONVERSION_FAILED,
        image
            + " is a '"
            + format
            + "' image, which vmimport does not convert; supported formats: "
            + Arrays.stream(DiskFormat.values()).map(DiskFormat::id).toList());
  }

  DiskInfo toDiskInfo(Path image) {
    return new DiskInfo(diskFormat(image), virtualSizeBytes, actualSizeBytes);
  }

  private static VmImportException unreadable(Path image, String problem, Throwable cause) {
    return new VmImportException(
        ErrorCode.CONVERSION_FAILED,
        "unexpected output of qemu-img info for " + image + ": " + problem,
        cause);
  }
}
