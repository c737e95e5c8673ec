package io.vmimport.core.fake;

import io.vmimport.api.convert.ConversionRequest;
import io.vmimport.api.convert.DiskConverter;
import io.vmimport.api.convert.DiskInfo;
import io.vmimport.api.convert.ProgressListener;
import io.vmimport.api.model.DiskFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;

/**
 * A converter whose "formats" are all the same bytes: it copies, so core's staging and conversion
 * path can be tested without qemu-img (converter-qemu has its own tests on real images).
 */
public final class CopyingConverter implements DiskConverter {
  public final List<ConversionRequest> conversions =
      Collections.synchronizedList(new ArrayList<>());

  @Override
  public DiskInfo inspect(Path image) {
    try {
      return new DiskInfo(DiskFormat.RAW, Files.size(image), OptionalLong.empty());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void convert(ConversionRequest request, ProgressListener progress) {
    conversions.add(request);
    try {
      Files.copy(request.source(), request.target());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    progress.progress(100, 100);
  }
}
