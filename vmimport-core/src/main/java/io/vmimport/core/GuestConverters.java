package io.vmimport.core;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.guest.GuestConverter;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** Finds the guest converter on the class path. */
public final class GuestConverters {
  private GuestConverters() {}

  /**
   * The one {@link GuestConverter} {@link ServiceLoader} finds, or empty when there is none:
   * imports then leave their guests unconverted and say so.
   *
   * @throws VmImportException {@code NOT_SUPPORTED} when there is more than one
   */
  public static Optional<GuestConverter> load() {
    List<GuestConverter> converters =
        ServiceLoader.load(GuestConverter.class, Thread.currentThread().getContextClassLoader())
            .stream()
            .map(ServiceLoader.Provider::get)
            .toList();
    if (converters.size() > 1) {
      throw new VmImportException(
          ErrorCode.NOT_SUPPORTED,
          "several guest converters on the class path: "
              + converters.stream().map(c -> c.getClass().getName()).toList()
              + "; keep one");
    }
    return converters.stream().findFirst();
  }
}
