package io.vmimport.provider.ova.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.Preparation;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An export of one VirtualSystem's disks: each disk is its file's bytes in the archive, read once,
 * digested on the way against the manifest. Nothing is made on the source, so there is nothing to
 * prepare or remove; ending the export closes the streams still open.
 */
final class OvaExportSession implements ExportSession {
  private static final Logger log = LoggerFactory.getLogger(OvaExportSession.class);

  private final OvaSourceSession session;
  private final OvaVm vm;
  private final Set<InputStream> open = ConcurrentHashMap.newKeySet();
  private volatile boolean ended;

  OvaExportSession(OvaSourceSession session, OvaVm vm) {
    this.session = session;
    this.vm = vm;
  }

  @Override
  public Preparation prepare(SourceDisk disk) {
    definitionOf(disk);
    return Preparation.ready();
  }

  @Override
  public DiskStream open(SourceDisk disk) {
    if (ended) {
      throw new VmImportException(
          ErrorCode.INTERNAL, "export of VM " + vm.vm().name() + " has already ended");
    }
    OvfDescriptor.DiskDef definition = definitionOf(disk);
    if (definition.file().isEmpty()) {
      log.info(
          "VM {}: disk {} has no file in the OVA; it starts empty, {} bytes",
          vm.vm().name(),
          disk.name(),
          disk.capacityBytes());
      byte[] empty = EmptyVmdk.of(definition.capacityBytes());
      return new DiskStream(
          track(new ByteArrayInputStream(empty)), DiskFormat.VMDK, OptionalLong.of(empty.length));
    }
    OvfDescriptor.FileRef file = definition.file().get();
    OvaPackage ova = session.ovaPackage();
    OvaPackage.Part part =
        ova.part(file.href())
            .orElseThrow(
                () ->
                    new VmImportException(
                        ErrorCode.NOT_FOUND,
                        "the descriptor names file "
                            + file.href()
                            + " for disk "
                            + definition.diskId()
                            + ", but "
                            + ova.archive().shown()
                            + " does not hold it"));
    OvaArchive archive = part.archive();
    DiskFormat format = formatOf(definition, file);
    boolean gzip = compressed(file);
    Optional<Manifest.Digest> digest = ova.manifest().digestOf(file.href());
    if (digest.isEmpty() && !ova.manifest().isEmpty()) {
      log.warn(
          "{}: the manifest lists no digest for {}; it is not checked",
          archive.shown(),
          file.href());
    }
    if (part.offset() > 0 && !archive.seekable()) {
      log.warn(
          "{} offers no range requests: reading {} bytes before {} again",
          archive.shown(),
          part.offset(),
          file.href());
    }
    InputStream input =
        new VerifyingStream(
            archive.open(part.offset(), part.size()),
            file.href(),
            archive.shown(),
            part.size(),
            digest);
    if (gzip) {
      try {
        input = new GZIPInputStream(input, 64 * 1024);
      } catch (IOException e) {
        closeQuietly(input);
        throw new VmImportException(
            ErrorCode.EXPORT_FAILED,
            file.href() + " of " + archive.shown() + " is not gzip data as its descriptor says",
            e,
            false);
      }
    }
    log.info(
        "VM {}: reading disk {} ({} bytes at byte {} of {})",
        vm.vm().name(),
        file.href(),
        part.size(),
        part.offset(),
        archive.shown());
    return new DiskStream(
        track(input), format, gzip ? OptionalLong.empty() : OptionalLong.of(part.size()));
  }

  private OvfDescriptor.DiskDef definitionOf(SourceDisk disk) {
    OvfDescriptor.DiskDef definition = vm.disks().get(disk.key());
    if (definition == null) {
      throw new VmImportException(
          ErrorCode.NOT_FOUND, "VM " + vm.vm().name() + " has no disk " + disk.key());
    }
    return definition;
  }

  private static boolean compressed(OvfDescriptor.FileRef file) {
    Optional<String> compression = file.compression();
    if (compression.isEmpty() || compression.get().equalsIgnoreCase("identity")) {
      return false;
    }
    if (compression.get().equalsIgnoreCase("gzip")) {
      return true;
    }
    throw new VmImportException(
        ErrorCode.NOT_SUPPORTED,
        "file "
            + file.href()
            + " is compressed with '"
            + compression.get()
            + "'; vmimport reads gzip or uncompressed files");
  }

  /** The disk's format from its ovf:format URI, else from its file name. */
  static DiskFormat formatOf(OvfDescriptor.DiskDef disk, OvfDescriptor.FileRef file) {
    String format = disk.format().orElse("").toLowerCase(Locale.ROOT);
    String name = file.href().toLowerCase(Locale.ROOT);
    if (format.contains("vmdk") || (format.isEmpty() && name.endsWith(".vmdk"))) {
      return DiskFormat.VMDK;
    }
    if (format.contains("qcow") || (format.isEmpty() && name.endsWith(".qcow2"))) {
      return DiskFormat.QCOW2;
    }
    if (format.contains("vhdx") || (format.isEmpty() && name.endsWith(".vhdx"))) {
      return DiskFormat.VHDX;
    }
    if (format.contains("vhd") || (format.isEmpty() && name.endsWith(".vhd"))) {
      return DiskFormat.VPC;
    }
    if (format.endsWith("raw")
        || (format.isEmpty() && (name.endsWith(".raw") || name.endsWith(".img")))) {
      return DiskFormat.RAW;
    }
    throw new VmImportException(
        ErrorCode.NOT_SUPPORTED,
        "disk "
            + disk.diskId()
            + " ("
            + file.href()
            + ") has format '"
            + disk.format().orElse("(none)")
            + "', which vmimport does not read; VMDK, qcow2, VHD(X) and raw are read");
  }

  private InputStream track(InputStream input) {
    InputStream tracked =
        new FilterInputStream(input) {
          @Override
          public void close() throws IOException {
            open.remove(this);
            super.close();
          }
        };
    open.add(tracked);
    return tracked;
  }

  @Override
  public void complete() {
    end();
  }

  @Override
  public void abort() {
    end();
  }

  private void end() {
    ended = true;
    for (InputStream input : open) {
      closeQuietly(input);
    }
  }

  private static void closeQuietly(InputStream input) {
    try {
      input.close();
    } catch (IOException | RuntimeException e) {
      // the export has ended: the consumer learns of a failure from its own reads
      log.debug("closing a disk stream at the end of an export failed: {}", e.toString());
    }
  }
}
