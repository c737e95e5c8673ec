package io.vmimport.api.source;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.DiskFormat;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.OptionalLong;

/**
 * The bytes of one exported disk. Closing it (from any thread) stops the transfer.
 *
 * @param format the format of the bytes, e.g. {@link DiskFormat#VMDK} for an NFC export
 * @param length the number of bytes, when the source says (chunked NFC streams do not)
 */
public record DiskStream(InputStream input, DiskFormat format, OptionalLong length)
    implements Closeable {
  public DiskStream {
    requireNonNull(input, "input is null");
    requireNonNull(format, "format is null");
    requireNonNull(length, "length is null");
  }

  @Override
  public void close() throws IOException {
    input.close();
  }
}
