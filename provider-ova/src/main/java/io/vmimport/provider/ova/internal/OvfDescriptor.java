package io.vmimport.provider.ova.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.xml.sax.SAXException;

/**
 * An OVF envelope: its References, DiskSection, DeploymentOptionSection and VirtualSystems (also
 * those inside a VirtualSystemCollection). What one VM looks like is {@link OvfHardwareMapper}'s.
 */
final class OvfDescriptor {
  /** A file of the package. */
  record FileRef(String id, String href, OptionalLong size, Optional<String> compression) {
    FileRef {
      requireNonNull(id, "id is null");
      requireNonNull(href, "href is null");
      requireNonNull(size, "size is null");
      requireNonNull(compression, "compression is null");
    }
  }

  /** A virtual disk: its capacity, and its file unless it starts empty. */
  record DiskDef(
      String diskId,
      long capacityBytes,
      Optional<FileRef> file,
      Optional<String> format,
      OptionalLong populatedBytes) {
    DiskDef {
      requireNonNull(diskId, "diskId is null");
      requireNonNull(file, "file is null");
      requireNonNull(format, "format is null");
      requireNonNull(populatedBytes, "populatedBytes is null");
    }
  }

  /** A DeploymentOptionSection's configuration. */
  record Configuration(String id, boolean isDefault) {}

  private final String name;
  private final Element envelope;
  private final Map<String, FileRef> files;
  private final Map<String, DiskDef> disks;
  private final List<Configuration> configurations;
  private final List<Element> virtualSystems;

  private OvfDescriptor(String name, Element envelope) {
    this.name = name;
    this.envelope = envelope;
    this.files = files(envelope);
    this.disks = disks(name, envelope, files);
    this.configurations = configurations(envelope);
    this.virtualSystems = Xml.descendants(envelope, "VirtualSystem");
  }

  /**
   * @param name the descriptor's file name, for messages
   * @throws VmImportException INVALID_SPEC when it is not an OVF envelope
   */
  static OvfDescriptor parse(String name, byte[] bytes) {
    Document document;
    try {
      document = Xml.parse(bytes);
    } catch (SAXException | IOException e) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "the OVF descriptor " + name + " is not well-formed XML: " + e.getMessage(),
          e);
    }
    Element root = document.getDocumentElement();
    if (!"Envelope".equals(Xml.localName(root))) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          name + " is not an OVF descriptor: its root element is " + Xml.localName(root));
    }
    if ("http://www.vmware.com/schema/ovf/1/envelope".equals(root.getNamespaceURI())
        || Xml.attr(root, "version").orElse("").startsWith("0.")) {
      throw new VmImportException(
          ErrorCode.NOT_SUPPORTED,
          name
              + " is a pre-standard OVF 0.9 descriptor, which vmimport does not read; convert the"
              + " package to OVF 1.0 or later (e.g. ovftool --lax in.ova out.ova)");
    }
    return new OvfDescriptor(name, root);
  }

  String name() {
    return name;
  }

  Element envelope() {
    return envelope;
  }

  Map<String, FileRef> files() {
    return files;
  }

  Map<String, DiskDef> disks() {
    return disks;
  }

  List<Configuration> configurations() {
    return configurations;
  }

  /** The VirtualSystems, also those nested in collections, in document order. */
  List<Element> virtualSystems() {
    return virtualSystems;
  }

  /** How users name a VirtualSystem: its Name, else its ovf:id. */
  static String nameOf(Element system) {
    return Xml.text(system, "Name").orElseGet(() -> idOf(system));
  }

  static String idOf(Element system) {
    return Xml.attr(system, "id").orElse("");
  }

  /** The names (and differing ids) of every VirtualSystem, for messages and {@code list()}. */
  List<String> systemNames() {
    List<String> names = new ArrayList<>();
    for (Element system : virtualSystems) {
      names.add(nameOf(system));
      if (!idOf(system).isEmpty() && !idOf(system).equals(nameOf(system))) {
        names.add(idOf(system));
      }
    }
    return names;
  }

  /** A VirtualSystem by its ovf:id or Name. */
  Optional<Element> system(String nameOrId) {
    for (Element system : virtualSystems) {
      if (nameOrId.equals(idOf(system))) {
        return Optional.of(system);
      }
    }
    for (Element system : virtualSystems) {
      if (nameOrId.equals(nameOf(system))) {
        return Optional.of(system);
      }
    }
    return Optional.empty();
  }

  private static Map<String, FileRef> files(Element envelope) {
    Map<String, FileRef> files = new LinkedHashMap<>();
    for (Element references : Xml.children(envelope, "References")) {
      for (Element file : Xml.children(references, "File")) {
        Optional<String> id = Xml.attr(file, "id");
        Optional<String> href = Xml.attr(file, "href");
        if (id.isEmpty() || href.isEmpty()) {
          continue;
        }
        if (Xml.attr(file, "chunkSize").isPresent()) {
          throw new VmImportException(
              ErrorCode.NOT_SUPPORTED,
              "file "
                  + href.get()
                  + " is split into chunks (ovf:chunkSize); vmimport reads whole files: export"
                  + " the OVA without chunking");
        }
        OptionalLong size =
            Xml.attr(file, "size")
                .map(s -> OptionalLong.of(parseLong(s)))
                .orElse(OptionalLong.empty());
        files.put(id.get(), new FileRef(id.get(), href.get(), size, Xml.attr(file, "compression")));
      }
    }
    return files;
  }

  private static Map<String, DiskDef> disks(
      String name, Element envelope, Map<String, FileRef> files) {
    Map<String, DiskDef> disks = new LinkedHashMap<>();
    for (Element section : Xml.children(envelope, "DiskSection")) {
      for (Element disk : Xml.children(section, "Disk")) {
        String diskId =
            Xml.attr(disk, "diskId")
                .orElseThrow(() -> invalid(name, "a Disk of the DiskSection has no ovf:diskId"));
        long capacity =
            AllocationUnits.bytes(
                parseLong(
                    Xml.attr(disk, "capacity")
                        .orElseThrow(() -> invalid(name, "Disk " + diskId + " has no capacity"))),
                Xml.attr(disk, "capacityAllocationUnits").orElse("byte"),
                "the capacity of disk " + diskId);
        Optional<FileRef> file = Optional.empty();
        Optional<String> fileRef = Xml.attr(disk, "fileRef");
        if (fileRef.isPresent()) {
          file = Optional.ofNullable(files.get(fileRef.get()));
          if (file.isEmpty()) {
            throw invalid(
                name,
                "Disk " + diskId + " names file '" + fileRef.get() + "', not in its References");
          }
        }
        OptionalLong populated =
            Xml.attr(disk, "populatedSize")
                .map(s -> OptionalLong.of(parseLong(s)))
                .orElse(OptionalLong.empty());
        disks.put(diskId, new DiskDef(diskId, capacity, file, Xml.attr(disk, "format"), populated));
      }
    }
    return disks;
  }

  private static List<Configuration> configurations(Element envelope) {
    List<Configuration> configurations = new ArrayList<>();
    for (Element section : Xml.children(envelope, "DeploymentOptionSection")) {
      for (Element configuration : Xml.children(section, "Configuration")) {
        Xml.attr(configuration, "id")
            .ifPresent(
                id ->
                    configurations.add(
                        new Configuration(
                            id, Xml.attr(configuration, "default").orElse("").equals("true"))));
      }
    }
    return configurations;
  }

  static long parseLong(String text) {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "the OVF descriptor has '" + text + "' where a number belongs",
          e);
    }
  }

  private static VmImportException invalid(String name, String message) {
    return new VmImportException(ErrorCode.INVALID_SPEC, "OVF descriptor " + name + ": " + message);
  }
}
