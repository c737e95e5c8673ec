package io.vmimport.provider.ova.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.PowerControl;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.SourceValidator;
import io.vmimport.api.source.VmInventory;
import io.vmimport.api.source.VmLocator;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.w3c.dom.Element;

/**
 * One OvaSource: the archive, and its package read on first use and kept for the session, so that
 * an import reads the descriptor once.
 */
public final class OvaSourceSession implements SourceSession {
  private final OvaSettings settings;
  private final OvaArchive archive;
  private volatile OvaPackage ovaPackage;

  public OvaSourceSession(OvaSettings settings) {
    this.settings = settings;
    this.archive =
        settings.isFile() ? new FileArchive(Path.of(settings.url())) : new HttpArchive(settings);
  }

  OvaSettings settings() {
    return settings;
  }

  OvaArchive archive() {
    return archive;
  }

  synchronized OvaPackage ovaPackage() {
    if (ovaPackage == null) {
      Optional<String> descriptor = plainDescriptor();
      ovaPackage =
          descriptor.isPresent()
              ? OvaPackage.readOvf(archive, descriptor.get(), this::sibling)
              : OvaPackage.read(archive);
    }
    return ovaPackage;
  }

  /** The file name when the URL names a plain descriptor ({@code .ovf}) rather than an OVA. */
  private Optional<String> plainDescriptor() {
    String path = String.valueOf(settings.url().getPath());
    String name = path.substring(path.lastIndexOf('/') + 1);
    return TarIndex.isDescriptor(name) ? Optional.of(name) : Optional.empty();
  }

  /** A file beside the descriptor, read with the same settings (credentials, CA, timeout). */
  private OvaArchive sibling(URI relative) {
    URI url = settings.url().resolve(relative);
    return settings.isFile()
        ? new FileArchive(Path.of(url))
        : new HttpArchive(
            new OvaSettings(
                settings.sourceName(),
                url,
                settings.readTimeout(),
                settings.basicAuth(),
                settings.caPem(),
                settings.secretName(),
                settings.deploymentOption()));
  }

  /**
   * @throws VmImportException NOT_FOUND listing the VirtualSystems, INVALID_SPEC for a folder
   */
  OvaVm find(VmLocator locator) {
    if (locator.folder().isPresent()) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC, "spec.folder: an OVA has no folders; leave folder empty");
    }
    OvfDescriptor descriptor = ovaPackage().descriptor();
    Element system =
        descriptor
            .system(locator.nameOrId())
            .orElseThrow(
                () ->
                    new VmImportException(
                        ErrorCode.NOT_FOUND,
                        "VM '"
                            + locator.nameOrId()
                            + "' is not a VirtualSystem of "
                            + archive.shown()
                            + "; it holds "
                            + descriptor.systemNames()
                            + "; check virtualMachineName"));
    // the import's annotation source.vmimport.io/deploymentOption wins over the source's setting
    return new OvfHardwareMapper(descriptor)
        .map(system, locator.option(OvaSettings.DEPLOYMENT_OPTION).or(settings::deploymentOption));
  }

  @Override
  public SourceValidator validator() {
    return new OvaValidator(this);
  }

  @Override
  public VmInventory inventory() {
    return new VmInventory() {
      @Override
      public SourceVm describe(VmLocator vm) {
        return find(vm).vm();
      }

      @Override
      public List<String> list() {
        return ovaPackage().descriptor().systemNames();
      }
    };
  }

  /** An OVA holds no running VM: it is always off, and there is nothing to power off. */
  @Override
  public PowerControl power() {
    return new PowerControl() {
      @Override
      public PowerState state(SourceVm vm) {
        return PowerState.OFF;
      }

      @Override
      public void powerOff(SourceVm vm) {
        throw new VmImportException(
            ErrorCode.NOT_SUPPORTED, "VM " + vm.name() + " is in an OVA: it cannot be running");
      }
    };
  }

  @Override
  public DiskExporter exporter() {
    return new DiskExporter() {
      @Override
      public ExportSession begin(SourceVm vm, ArtifactOwner owner) {
        return new OvaExportSession(OvaSourceSession.this, find(VmLocator.of(vm.id())));
      }
    };
  }

  @Override
  public void close() {
    // nothing stays open between calls: every read has its own connection or file channel
  }
}
