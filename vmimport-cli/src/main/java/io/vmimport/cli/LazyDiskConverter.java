package io.vmimport.cli;

import io.vmimport.api.convert.ConversionRequest;
import io.vmimport.api.convert.DiskConverter;
import io.vmimport.api.convert.DiskInfo;
import io.vmimport.api.convert.ProgressListener;
import io.vmimport.core.Converters;
import java.nio.file.Path;

/**
 * Finds the disk converter when a disk first needs one, so that {@code inspect}, {@code validate}
 * and imports whose disks need no conversion work without converter-qemu (or qemu-img).
 */
final class LazyDiskConverter implements DiskConverter {
  private DiskConverter delegate;

  @Override
  public DiskInfo inspect(Path image) {
    return delegate().inspect(image);
  }

  @Override
  public void convert(ConversionRequest request, ProgressListener progress) {
    delegate().convert(request, progress);
  }

  private synchronized DiskConverter delegate() {
    if (delegate == null) {
      delegate = Converters.load();
    }
    return delegate;
  }
}
