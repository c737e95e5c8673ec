package io.vmimport.provider.ova.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bytes of one file of the archive, digested as they pass. When the last byte has been read the
 * digest is compared with the manifest's, and a mismatch fails the read that reached the end,
 * naming the file and both digests, so the consumer never sees a clean end of a corrupt file.
 *
 * <p>A reader may stop before the end: the VMDK decoder stops at the end-of-stream marker, which is
 * the file's last sector. Closing then reads what is left, when it is at most {@link #DRAIN_LIMIT}
 * bytes, and checks the digest; a stream closed further from its end was abandoned (a cancel, a
 * failure elsewhere) and is closed without a check. Closing from another thread while a read is
 * blocked only closes the connection.
 */
final class VerifyingStream extends InputStream {
  private static final Logger log = LoggerFactory.getLogger(VerifyingStream.class);
  static final long DRAIN_LIMIT = 1 << 20;

  private final InputStream in;
  private final String file;
  private final String archive;
  private final long size;
  private final Optional<Manifest.Digest> expected;
  private final MessageDigest digest;
  private final ReentrantLock reading = new ReentrantLock();
  private long read;
  private boolean verified;
  private volatile boolean closed;

  VerifyingStream(
      InputStream in, String file, String archive, long size, Optional<Manifest.Digest> expected) {
    this.in = in;
    this.file = file;
    this.archive = archive;
    this.size = size;
    this.expected = expected;
    this.digest = expected.map(Manifest.Digest::newDigest).orElse(null);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int off, int len) throws IOException {
    reading.lock();
    try {
      if (closed) {
        throw new IOException(file + " of " + archive + ": the stream was closed");
      }
      return readLocked(buffer, off, len);
    } finally {
      reading.unlock();
    }
  }

  private int readLocked(byte[] buffer, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (read >= size) {
      verify();
      return -1;
    }
    int n = in.read(buffer, off, (int) Math.min(len, size - read));
    if (n < 0) {
      throw new java.io.EOFException(
          file + " of " + archive + " ends after " + read + " of its " + size + " bytes");
    }
    if (digest != null) {
      digest.update(buffer, off, n);
    }
    read += n;
    if (read == size) {
      verify();
    }
    return n;
  }

  private void verify() {
    if (verified || digest == null) {
      return;
    }
    verified = true;
    byte[] actual = digest.digest();
    Manifest.Digest wanted = expected.orElseThrow();
    if (!wanted.matches(actual)) {
      throw new VmImportException(
          ErrorCode.EXPORT_FAILED,
          file
              + " of "
              + archive
              + " is corrupt: its "
              + wanted.jdkName()
              + " is "
              + HexFormat.of().formatHex(actual)
              + " but the manifest says "
              + wanted.hex(),
          null,
          false);
    }
    log.debug("{}: {} matches the manifest", file, wanted.jdkName());
  }

  /** Bytes of the file not read yet. */
  long remaining() {
    return size - read;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    if (!reading.tryLock()) {
      // another thread is blocked in a read: closing the connection ends it
      closed = true;
      in.close();
      return;
    }
    try {
      if (remaining() <= DRAIN_LIMIT) {
        byte[] sink = new byte[8192];
        while (readLocked(sink, 0, sink.length) >= 0) {
          // digesting the end of the file
        }
      } else {
        log.debug("{}: closed {} bytes before its end, not verified", file, remaining());
      }
    } finally {
      closed = true;
      reading.unlock();
      in.close();
    }
  }
}
