package io.vmimport.provider.ova.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What an OVA holds, read once per session: where its files are, its descriptor and manifest. The
 * files are either entries of one tar archive (an OVA) or files beside a plain {@code .ovf}
 * descriptor, each its own archive.
 */
final class OvaPackage {
  private final OvaArchive archive;
  private final Function<String, Optional<Part>> parts;
  private final OvfDescriptor descriptor;
  private final Manifest manifest;

  /**
   * The bytes of one file of the package: {@code size} bytes at {@code offset} of {@code archive}.
   */
  record Part(OvaArchive archive, long offset, long size) {}

  private OvaPackage(
      OvaArchive archive,
      Function<String, Optional<Part>> parts,
      OvfDescriptor descriptor,
      Manifest manifest) {
    this.archive = archive;
    this.parts = parts;
    this.descriptor = descriptor;
    this.manifest = manifest;
  }

  /**
   * @throws VmImportException INVALID_SPEC when the archive holds no descriptor, EXPORT_FAILED when
   *     the descriptor does not match the manifest
   */
  static OvaPackage read(OvaArchive archive) {
    TarIndex index = TarIndex.scan(archive);
    List<String> names = index.entries().stream().map(TarIndex.Entry::name).toList();
    TarIndex.Entry descriptorEntry =
        index.entries().stream()
            .filter(entry -> TarIndex.isDescriptor(entry.name()))
            .findFirst()
            .orElseThrow(
                () ->
                    new VmImportException(
                        ErrorCode.INVALID_SPEC,
                        archive.shown()
                            + " holds no OVF descriptor (a .ovf file); it holds "
                            + (names.isEmpty() ? "no files" : names)));
    byte[] descriptorBytes = index.body(descriptorEntry.name()).orElseThrow();
    Manifest manifest = manifestOf(index, descriptorEntry.name());
    manifest
        .digestOf(descriptorEntry.name())
        .ifPresent(digest -> verify(archive, descriptorEntry.name(), descriptorBytes, digest));
    return new OvaPackage(
        archive,
        name -> index.entry(name).map(e -> new Part(archive, e.dataOffset(), e.size())),
        OvfDescriptor.parse(descriptorEntry.name(), descriptorBytes),
        manifest);
  }

  /**
   * A plain descriptor: {@code descriptor} is the {@code .ovf} itself, the manifest is the {@code
   * .mf} of the same name beside it (none when it is not there), and each file the descriptor names
   * is read from {@code sibling} of its {@code ovf:href} (relative to the descriptor), which must
   * name a file in the same directory.
   *
   * @param name the descriptor's file name
   * @throws VmImportException INVALID_SPEC when the descriptor is too big, NOT_FOUND when it is
   *     missing, EXPORT_FAILED when it does not match the manifest
   */
  static OvaPackage readOvf(
      OvaArchive descriptorFile, String name, Function<URI, OvaArchive> sibling) {
    byte[] descriptorBytes =
        readSmall(descriptorFile, TarIndex.MAX_DESCRIPTOR_BYTES, "descriptor")
            .orElseThrow(
                () ->
                    new VmImportException(
                        ErrorCode.NOT_FOUND, descriptorFile.shown() + " does not exist"));
    String base = name.substring(0, name.length() - 4);
    Manifest manifest =
        readSmall(sibling.apply(relative(base + ".mf")), TarIndex.MAX_MANIFEST_BYTES, "manifest")
            .map(bytes -> Manifest.parse(base + ".mf", bytes))
            .orElse(Manifest.NONE);
    manifest
        .digestOf(name)
        .ifPresent(digest -> verify(descriptorFile, name, descriptorBytes, digest));
    Map<String, Optional<Part>> found = new ConcurrentHashMap<>();
    return new OvaPackage(
        descriptorFile,
        href ->
            found.computeIfAbsent(
                href,
                h -> {
                  OvaArchive file = sibling.apply(relative(h));
                  return exists(file)
                      ? Optional.of(new Part(file, 0, file.length().orElseThrow()))
                      : Optional.empty();
                }),
        OvfDescriptor.parse(name, descriptorBytes),
        manifest);
  }

  /**
   * {@code href} as a URI relative to the descriptor's directory.
   *
   * @throws VmImportException NOT_SUPPORTED for a URL or a path out of the directory: a descriptor
   *     must not send the source's credentials, or the reader, elsewhere
   */
  static URI relative(String href) {
    URI uri;
    try {
      uri = new URI(null, null, href, null);
    } catch (URISyntaxException e) {
      throw new VmImportException(
          ErrorCode.NOT_SUPPORTED, "file reference '" + href + "' is not a file name", e);
    }
    if (href.isEmpty()
        || href.startsWith("/")
        || href.contains("\\")
        || href.contains(":")
        || List.of(href.split("/")).contains("..")) {
      throw new VmImportException(
          ErrorCode.NOT_SUPPORTED,
          "the descriptor names file '"
              + href
              + "', which is not in its own directory; vmimport reads the files beside a"
              + " descriptor only");
    }
    return uri;
  }

  /**
   * Whether a file is there.
   *
   * @throws VmImportException SOURCE_UNAVAILABLE when the server does not say how long it is
   */
  private static boolean exists(OvaArchive file) {
    try {
      if (file.length().isEmpty()) {
        throw new VmImportException(
            ErrorCode.SOURCE_UNAVAILABLE,
            file.shown()
                + " was sent without a length (no Content-Length or Content-Range); serve it"
                + " from a server that gives one");
      }
      return true;
    } catch (VmImportException e) {
      if (e.code() == ErrorCode.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  /** The whole of a small file, empty when it does not exist. */
  private static Optional<byte[]> readSmall(OvaArchive file, int limit, String what) {
    if (!exists(file)) {
      return Optional.empty();
    }
    long length = file.length().orElseThrow();
    if (length > limit) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "the "
              + what
              + " "
              + file.shown()
              + " has "
              + length
              + " bytes, over the limit of "
              + limit);
    }
    try (InputStream in = file.open(0, length)) {
      return Optional.of(in.readNBytes((int) length));
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.SOURCE_UNAVAILABLE, "reading " + file.shown() + " failed: " + e, e);
    }
  }

  /** The manifest named as the descriptor ({@code vm.ovf}, {@code vm.mf}), else the first. */
  private static Manifest manifestOf(TarIndex index, String descriptorName) {
    String base = descriptorName.substring(0, descriptorName.length() - 4);
    Optional<TarIndex.Entry> entry =
        index
            .entry(base + ".mf")
            .or(
                () ->
                    index.entries().stream()
                        .filter(e -> TarIndex.isManifest(e.name()))
                        .findFirst());
    return entry
        .map(e -> Manifest.parse(e.name(), index.body(e.name()).orElseThrow()))
        .orElse(Manifest.NONE);
  }

  private static void verify(
      OvaArchive archive, String name, byte[] bytes, Manifest.Digest expected) {
    MessageDigest digest = expected.newDigest();
    byte[] actual = digest.digest(bytes);
    if (!expected.matches(actual)) {
      throw new VmImportException(
          ErrorCode.EXPORT_FAILED,
          name
              + " of "
              + archive.shown()
              + " is corrupt: its "
              + expected.jdkName()
              + " is "
              + HexFormat.of().formatHex(actual)
              + " but the manifest says "
              + expected.hex(),
          null,
          false);
    }
  }

  OvaArchive archive() {
    return archive;
  }

  /** Where the bytes of file {@code href} are; empty when the package does not hold it. */
  Optional<Part> part(String href) {
    return parts.apply(href);
  }

  OvfDescriptor descriptor() {
    return descriptor;
  }

  Manifest manifest() {
    return manifest;
  }
}
