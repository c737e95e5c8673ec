package io.vmimport.core;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.convert.DiskConverter;
import java.util.List;
import java.util.ServiceLoader;

/** Finds the disk converter on the class path. */
public final class Converters {
  private Converters() {}

  /**
   * The one {@link DiskConverter} {@link ServiceLoader} finds.
   *
   * @throws VmImportException {@code NOT_SUPPORTED} when there is none or more than one
   */
  public static DiskConverter load() {
    List<DiskConverter> converters =
        ServiceLoader.load(DiskConverter.class, Thread.currentThread().getContextClassLoader())
            .stream()
            .map(ServiceLoader.Provider::get)
            .toList();
    if (converters.isEmpty()) {
      throw new VmImportException(
          ErrorCode.NOT_SUPPORTED,
          "no disk converter on the class path; add the converter-qemu module");
    }
    if (converters.size() > 1) {
      throw new VmImportException(
          ErrorCode.NOT_SUPPORTED,
          "several disk converters on the class path: "
              + converters.stream().map(c -> c.getClass().getName()).toList()
              + "; keep one");
    }
    return converters.get(0);
  }
}
