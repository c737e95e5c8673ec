package io.vmimport.provider.ova.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.source.ValidationIssue;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.OptionalLong;

/** An OVA in a local file ({@code file://} URLs, for the CLI and the SDK): always seekable. */
final class FileArchive implements OvaArchive {
  private final Path file;

  FileArchive(Path file) {
    this.file = file;
  }

  @Override
  public String shown() {
    return file.toString();
  }

  @Override
  public List<ValidationIssue> check() {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      // a volume that is not mounted (yet): worth checking again later
      throw new VmImportException(
          ErrorCode.SOURCE_UNAVAILABLE,
          "directory " + parent + " of spec.url does not exist (is its volume mounted?)");
    }
    if (!Files.isRegularFile(file)) {
      return List.of(
          ValidationIssue.error(
              ErrorCode.NOT_FOUND, "spec.url", "file " + file + " does not exist; check spec.url"));
    }
    if (!Files.isReadable(file)) {
      return List.of(
          ValidationIssue.error(
              ErrorCode.PERMISSION_DENIED,
              "spec.url",
              "file " + file + " is not readable by this process"));
    }
    return List.of();
  }

  @Override
  public boolean seekable() {
    return true;
  }

  @Override
  public OptionalLong length() {
    try {
      return OptionalLong.of(Files.size(file));
    } catch (IOException e) {
      throw translate(e);
    }
  }

  @Override
  public InputStream open(long offset, long length) {
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (IOException e) {
      throw translate(e);
    }
    return new RangeStream(channel, offset, length);
  }

  private VmImportException translate(IOException e) {
    if (e instanceof NoSuchFileException) {
      return new VmImportException(
          ErrorCode.NOT_FOUND, "file " + file + " does not exist; check spec.url", e);
    }
    if (e instanceof AccessDeniedException) {
      return new VmImportException(
          ErrorCode.PERMISSION_DENIED, "file " + file + " is not readable by this process", e);
    }
    return new VmImportException(
        ErrorCode.SOURCE_UNAVAILABLE, "cannot read " + file + ": " + e.getMessage(), e);
  }

  /**
   * A range of the file through positional reads, so that closing the channel from another thread
   * ends a read at once.
   */
  private final class RangeStream extends InputStream {
    private final FileChannel channel;
    private final long end;
    private long position;

    RangeStream(FileChannel channel, long offset, long length) {
      this.channel = channel;
      this.position = offset;
      this.end = offset + length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (position >= end) {
        return -1;
      }
      int wanted = (int) Math.min(len, end - position);
      int n = channel.read(ByteBuffer.wrap(buffer, off, wanted), position);
      if (n < 0) {
        throw new EOFException(
            file
                + " ends at byte "
                + position
                + ", before byte "
                + end
                + " that the archive needs");
      }
      position += n;
      return n;
    }

    @Override
    public long skip(long n) {
      long skipped = Math.max(0, Math.min(n, end - position));
      position += skipped;
      return skipped;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
