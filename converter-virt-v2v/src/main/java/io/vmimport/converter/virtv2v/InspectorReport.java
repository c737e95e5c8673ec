package io.vmimport.converter.virtv2v;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.guest.GuestOs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * The {@code <operatingsystem>} of what {@code virt-v2v-inspector -O file} writes: {@code name}
 * (linux, windows), {@code distro}, {@code major_version}, {@code minor_version}, {@code
 * product_name}.
 */
final class InspectorReport {
  private InspectorReport() {}

  /** The operating system the report names; empty when it names none. */
  static Optional<GuestOs> read(Path xml) {
    Document doc;
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      doc = factory.newDocumentBuilder().parse(xml.toFile());
    } catch (ParserConfigurationException | SAXException | IOException e) {
      throw new VmImportException(
          ErrorCode.CONVERSION_FAILED, "cannot read virt-v2v-inspector's report " + xml, e);
    }
    NodeList systems = doc.getElementsByTagName("operatingsystem");
    if (systems.getLength() == 0) {
      return Optional.empty();
    }
    Element os = (Element) systems.item(0);
    Optional<String> name = text(os, "name");
    GuestOs.Family family =
        switch (name.orElse("").toLowerCase(Locale.ROOT)) {
          case "linux" -> GuestOs.Family.LINUX;
          case "windows" -> GuestOs.Family.WINDOWS;
          default -> GuestOs.Family.OTHER;
        };
    Optional<String> major = text(os, "major_version");
    Optional<String> version =
        major.map(
            m ->
                text(os, "minor_version")
                    .filter(v -> !v.equals("0"))
                    .map(v -> m + "." + v)
                    .orElse(m));
    // Debian's "product name" is /etc/debian_version, a number that says nothing the version does
    // not
    Optional<String> product = text(os, "product_name").filter(p -> !p.matches("[0-9][0-9.]*"));
    return Optional.of(new GuestOs(family, text(os, "distro"), version, product));
  }

  private static Optional<String> text(Element parent, String tag) {
    NodeList nodes = parent.getElementsByTagName(tag);
    if (nodes.getLength() == 0) {
      return Optional.empty();
    }
    String value = nodes.item(0).getTextContent().strip();
    return value.isEmpty() || value.equals("unknown") ? Optional.empty() : Optional.of(value);
  }
}
