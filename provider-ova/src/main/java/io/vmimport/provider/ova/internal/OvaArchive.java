package io.vmimport.provider.ova.internal;

import java.io.InputStream;
import java.util.List;
import java.util.OptionalLong;

/**
 * Where the bytes of an OVA come from: a file, or an http(s) URL. The tar inside is read by {@link
 * TarIndex}; this only hands out byte ranges.
 *
 * <p>A seekable archive (a file, a server that answers range requests) opens any range directly. A
 * server without range support can only send the archive from its start, so a range of it costs a
 * read of everything before it; {@link #seekable()} says which, and callers plan for it.
 */
interface OvaArchive {
  /** The URL (user information masked) or path, for messages. */
  String shown();

  /**
   * Whether the source is there and readable: what decides {@code clusterReady}.
   *
   * @return the user's mistakes found (401, 404, untrusted certificate), empty when ready
   * @throws io.vmimport.api.VmImportException SOURCE_UNAVAILABLE when it cannot be reached
   */
  List<io.vmimport.api.source.ValidationIssue> check();

  /** Whether any range can be opened without reading what comes before it. */
  boolean seekable();

  /** The archive's size in bytes, when known. */
  OptionalLong length();

  /**
   * The bytes {@code [offset, offset + length)}. Reads of the stream fail with an {@link
   * java.io.EOFException} when the archive ends first. Closing the stream (from any thread) stops
   * the transfer.
   *
   * @throws io.vmimport.api.VmImportException naming what to fix when the archive cannot be opened
   */
  InputStream open(long offset, long length);
}
