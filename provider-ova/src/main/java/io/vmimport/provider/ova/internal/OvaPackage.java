package io.vmimport.provider.ova.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** What an OVA holds, read once per session: its tar index, descriptor and manifest. */
final class OvaPackage {
  private final OvaArchive archive;
  private final TarIndex index;
  private final OvfDescriptor descriptor;
  private final Manifest manifest;

  private OvaPackage(
      OvaArchive archive, TarIndex index, OvfDescriptor descriptor, Manifest manifest) {
    this.archive = archive;
    this.index = index;
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
        archive, index, OvfDescriptor.parse(descriptorEntry.name(), descriptorBytes), manifest);
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

  TarIndex index() {
    return index;
  }

  OvfDescriptor descriptor() {
    return descriptor;
  }

  Manifest manifest() {
    return manifest;
  }
}
