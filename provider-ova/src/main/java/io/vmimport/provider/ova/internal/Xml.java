package io.vmimport.provider.ova.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Attr;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * DOM reading of OVF descriptors. Elements and attributes are matched by local name: OVF 0.9, 1.x
 * and 2.x differ in namespaces (and {@code rasd}, {@code sasd}, {@code epasd} items in theirs) but
 * not in the names that matter here.
 */
final class Xml {
  private Xml() {}

  /**
   * Parses without DTDs, external entities or XInclude: a descriptor comes from whoever wrote the
   * OVA.
   */
  static Document parse(byte[] bytes) throws IOException, SAXException {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    try {
      factory.setNamespaceAware(true);
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
      factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
      factory.setXIncludeAware(false);
      factory.setExpandEntityReferences(false);
      DocumentBuilder builder = factory.newDocumentBuilder();
      builder.setErrorHandler(null);
      return builder.parse(new ByteArrayInputStream(bytes));
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK's XML parser lacks a safety feature", e);
    }
  }

  static String localName(Node node) {
    String local = node.getLocalName();
    return local != null ? local : node.getNodeName();
  }

  static List<Element> children(Element parent, String... localNames) {
    List<Element> found = new ArrayList<>();
    for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
      if (child instanceof Element element && matches(element, localNames)) {
        found.add(element);
      }
    }
    return found;
  }

  static Optional<Element> child(Element parent, String localName) {
    List<Element> found = children(parent, localName);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  /** Elements below {@code parent} at any depth, in document order. */
  static List<Element> descendants(Element parent, String localName) {
    List<Element> found = new ArrayList<>();
    collect(parent, localName, found);
    return found;
  }

  private static void collect(Element parent, String localName, List<Element> found) {
    for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
      if (child instanceof Element element) {
        if (matches(element, localName)) {
          found.add(element);
        }
        collect(element, localName, found);
      }
    }
  }

  private static boolean matches(Element element, String... localNames) {
    String local = localName(element);
    for (String name : localNames) {
      if (name.equals(local)) {
        return true;
      }
    }
    return false;
  }

  /** The trimmed text of the first child called {@code localName}, when not blank. */
  static Optional<String> text(Element parent, String localName) {
    return child(parent, localName).map(e -> e.getTextContent().trim()).filter(t -> !t.isEmpty());
  }

  /** An attribute by local name, in whatever namespace ({@code ovf:}, {@code vmw:} or none). */
  static Optional<String> attr(Element element, String localName) {
    NamedNodeMap attributes = element.getAttributes();
    for (int i = 0; i < attributes.getLength(); i++) {
      Attr attribute = (Attr) attributes.item(i);
      if (localName.equals(localName(attribute))) {
        String value = attribute.getValue().trim();
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
      }
    }
    return Optional.empty();
  }
}
