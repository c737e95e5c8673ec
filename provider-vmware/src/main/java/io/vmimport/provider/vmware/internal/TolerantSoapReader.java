package io.vmimport.provider.vmware.internal;

import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.MethodFault;
import java.io.InputStream;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Calendar;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.xml.datatype.DatatypeConfigurationException;
import javax.xml.datatype.DatatypeFactory;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Reads vim25 SOAP responses into yavijava's model, tolerating what yavijava 6.0's own reader
 * rejects: elements its model lacks (newer vCenters and vcsim send 6.5+ fields) are skipped, an
 * {@code xsi:type} it does not know falls back to the declared type, and a MoRef's type is read
 * from the un-namespaced {@code type} attribute wherever {@code xsi:type} stands.
 *
 * <p>What was skipped is not lost: {@link ReadResult#extras} keeps, per object, the unknown {@code
 * xsi:type} and the text of unknown simple elements, so callers can still see fields such as {@code
 * efiSecureBootEnabled} or devices such as {@code VirtualTPM} that the 6.0 model cannot hold.
 */
public final class TolerantSoapReader {
  private static final String XSI = "http://www.w3.org/2001/XMLSchema-instance";
  private static final String VIM_PACKAGE = "com.vmware.vim25.";
  private static final XMLInputFactory XML = newInputFactory();
  private static final Map<Class<?>, Map<String, Field>> FIELDS = new ConcurrentHashMap<>();
  private static final Map<String, Optional<Class<?>>> VIM_CLASSES = new ConcurrentHashMap<>();

  /** What the model could not hold about one object. */
  public record Extras(
      Optional<String> xsiType, Map<String, String> fields, Map<String, List<Object>> objects) {
    public Extras {
      xsiType = java.util.Objects.requireNonNull(xsiType, "xsiType is null");
      fields = Map.copyOf(fields);
      objects = Map.copyOf(objects);
    }
  }

  /** A response body's return value and the extras of every object in it. */
  public record ReadResult(Object value, Map<Object, Extras> extras) {}

  private final Map<Object, Extras> extras = new java.util.IdentityHashMap<>();

  private TolerantSoapReader() {}

  /**
   * Reads one SOAP response.
   *
   * @param returnType yavijava's name of the return type: {@code ObjectContent[]}, {@code
   *     ManagedObjectReference}, {@code boolean}, {@code void}, ...
   * @throws VimFaultException for a SOAP fault, carrying the typed fault when it is known
   */
  public static ReadResult read(String returnType, InputStream body)
      throws XMLStreamException, VimFaultException {
    TolerantSoapReader reader = new TolerantSoapReader();
    Object value = reader.readEnvelope(returnType, body);
    return new ReadResult(value, reader.extras);
  }

  private Object readEnvelope(String returnType, InputStream body)
      throws XMLStreamException, VimFaultException {
    XMLStreamReader xml = XML.createXMLStreamReader(body);
    try {
      // Envelope, then Body, then the response or the Fault
      nextStart(xml);
      nextStart(xml);
      if (!"Body".equals(xml.getLocalName())) {
        throw new XMLStreamException("SOAP response without Body: " + xml.getLocalName());
      }
      nextStart(xml);
      if ("Fault".equals(xml.getLocalName())) {
        throw readFault(xml);
      }
      return readResponse(xml, returnType);
    } finally {
      xml.close();
    }
  }

  private Object readResponse(XMLStreamReader xml, String returnType) throws XMLStreamException {
    boolean isArray = returnType != null && returnType.endsWith("[]");
    Class<?> type =
        returnType == null || "void".equals(returnType)
            ? null
            : namedType(isArray ? returnType.substring(0, returnType.length() - 2) : returnType);
    List<Object> values = new ArrayList<>();
    while (nextChild(xml)) {
      if ("returnval".equals(xml.getLocalName()) && type != null) {
        values.add(readValue(xml, type));
      } else {
        skip(xml);
      }
    }
    if (type == null) {
      return null;
    }
    if (isArray) {
      return toArray(values, type);
    }
    return values.isEmpty() ? null : values.get(0);
  }

  private VimFaultException readFault(XMLStreamReader xml) throws XMLStreamException {
    String faultString = "";
    MethodFault fault = null;
    String faultType = null;
    while (nextChild(xml)) {
      switch (xml.getLocalName()) {
        case "faultstring" -> faultString = xml.getElementText();
        case "detail" -> {
          while (nextChild(xml)) {
            if (fault == null) {
              String name = xml.getLocalName();
              faultType =
                  Optional.ofNullable(xml.getAttributeValue(XSI, "type"))
                      .map(TolerantSoapReader::localPart)
                      .orElse(name.endsWith("Fault") ? name.substring(0, name.length() - 5) : name);
              Class<?> type = vimClass(faultType).orElse(MethodFault.class);
              Object value = readValue(xml, MethodFault.class.isAssignableFrom(type) ? type : null);
              fault = value instanceof MethodFault methodFault ? methodFault : null;
            } else {
              skip(xml);
            }
          }
        }
        default -> skip(xml);
      }
    }
    return new VimFaultException(faultString, Optional.ofNullable(faultType), fault);
  }

  /** Reads the element the reader stands on (a START_ELEMENT) and leaves it on its END_ELEMENT. */
  private Object readValue(XMLStreamReader xml, Class<?> declared) throws XMLStreamException {
    if ("true".equals(xml.getAttributeValue(XSI, "nil"))) {
      skip(xml);
      return null;
    }
    String xsiType =
        Optional.ofNullable(xml.getAttributeValue(XSI, "type"))
            .map(TolerantSoapReader::localPart)
            .orElse(null);
    Class<?> type = declared;
    boolean unknownType = false;
    if (xsiType != null && xsiType.startsWith("ArrayOf")) {
      // yavijava's model has ArrayOfX wrapper classes, but its callers expect plain arrays
      return readArrayOf(xml, xsiType.substring("ArrayOf".length()));
    }
    if (xsiType != null) {
      Optional<Class<?>> named = xsiClass(xsiType);
      if (named.isPresent()
          && (declared == null || boxed(declared).isAssignableFrom(boxed(named.get())))) {
        type = named.get();
      } else if (xsiType.startsWith("ArrayOf")) {
        return readArrayOf(xml, xsiType.substring("ArrayOf".length()));
      } else {
        unknownType = true;
      }
    }
    if (type == null || type == Object.class) {
      // a value of a type we do not know where anything may stand: nothing to build
      skip(xml);
      return null;
    }
    if (type == ManagedObjectReference.class) {
      ManagedObjectReference ref = new ManagedObjectReference();
      ref.setType(unqualifiedAttribute(xml, "type"));
      ref.setVal(xml.getElementText().trim());
      return ref;
    }
    if (isSimple(type)) {
      return simpleValue(type, xml.getElementText());
    }
    if (type.isArray()) {
      // a single element of an array-typed declaration
      return readValue(xml, type.getComponentType());
    }
    if (Modifier.isAbstract(type.getModifiers()) || type.isInterface()) {
      skip(xml);
      return null;
    }
    Object bean = instantiate(type);
    if (bean == null) {
      skip(xml);
      return null;
    }
    Map<String, Field> fields = fieldsOf(type);
    Map<Field, List<Object>> arrays = new LinkedHashMap<>();
    Map<String, String> unknownFields = new HashMap<>();
    Map<String, List<Object>> unknownObjects = new HashMap<>();
    while (nextChild(xml)) {
      String name = xml.getLocalName();
      Field field = fields.get(name);
      if (field == null) {
        String childType = xml.getAttributeValue(XSI, "type");
        if (childType != null
            && xsiClass(localPart(childType)).filter(c -> !isSimple(c)).isPresent()) {
          Object value = readValue(xml, null);
          if (value != null) {
            unknownObjects.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
          }
        } else {
          readUnknown(xml).ifPresent(text -> unknownFields.put(name, text));
        }
        continue;
      }
      Class<?> fieldType = field.getType();
      if (fieldType.isArray() && fieldType != byte[].class) {
        arrays
            .computeIfAbsent(field, f -> new ArrayList<>())
            .add(readValue(xml, fieldType.getComponentType()));
      } else {
        set(field, bean, readValue(xml, fieldType));
      }
    }
    for (Map.Entry<Field, List<Object>> entry : arrays.entrySet()) {
      set(
          entry.getKey(),
          bean,
          toArray(entry.getValue(), entry.getKey().getType().getComponentType()));
    }
    if (unknownType || !unknownFields.isEmpty() || !unknownObjects.isEmpty()) {
      extras.put(
          bean,
          new Extras(
              Optional.ofNullable(unknownType ? xsiType : null), unknownFields, unknownObjects));
    }
    return bean;
  }

  private Object readArrayOf(XMLStreamReader xml, String componentName) throws XMLStreamException {
    Optional<Class<?>> component = xsiClass(componentName);
    if (component.isEmpty()) {
      component = xsiClass(componentName.toLowerCase(Locale.ROOT));
    }
    if (component.isEmpty()) {
      skip(xml);
      return null;
    }
    List<Object> values = new ArrayList<>();
    while (nextChild(xml)) {
      values.add(readValue(xml, component.get()));
    }
    return toArray(values, component.get());
  }

  /** Skips an element the model lacks, returning its text when it is a simple value. */
  private static Optional<String> readUnknown(XMLStreamReader xml) throws XMLStreamException {
    StringBuilder text = new StringBuilder();
    boolean simple = true;
    int depth = 1;
    while (depth > 0) {
      int event = xml.next();
      if (event == XMLStreamConstants.START_ELEMENT) {
        simple = false;
        depth++;
      } else if (event == XMLStreamConstants.END_ELEMENT) {
        depth--;
      } else if (simple
          && (event == XMLStreamConstants.CHARACTERS || event == XMLStreamConstants.CDATA)) {
        text.append(xml.getText());
      }
    }
    return simple ? Optional.of(text.toString().trim()) : Optional.empty();
  }

  private static Object toArray(List<Object> values, Class<?> component) {
    Object array = Array.newInstance(component, values.size());
    int index = 0;
    for (Object value : values) {
      if (value != null || !component.isPrimitive()) {
        Array.set(array, index, value);
      }
      index++;
    }
    return array;
  }

  private static void set(Field field, Object bean, Object value) {
    if (value == null && field.getType().isPrimitive()) {
      return;
    }
    try {
      field.set(bean, value);
    } catch (IllegalAccessException | IllegalArgumentException e) {
      throw new IllegalStateException("cannot set " + field + " from the SOAP response", e);
    }
  }

  private static Object instantiate(Class<?> type) {
    try {
      return type.getConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  private static Map<String, Field> fieldsOf(Class<?> type) {
    return FIELDS.computeIfAbsent(
        type,
        t -> {
          Map<String, Field> fields = new HashMap<>();
          for (Class<?> c = t; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
              int modifiers = field.getModifiers();
              if (Modifier.isPublic(modifiers) && !Modifier.isStatic(modifiers)) {
                fields.putIfAbsent(field.getName(), field);
              }
            }
          }
          return fields;
        });
  }

  private static boolean isSimple(Class<?> type) {
    return type.isPrimitive()
        || type == String.class
        || Number.class.isAssignableFrom(type)
        || type == Boolean.class
        || type == Calendar.class
        || type == byte[].class
        || type.isEnum();
  }

  private static Object simpleValue(Class<?> type, String text) {
    String value = text.trim();
    if (type == String.class) {
      return text;
    }
    if (type == int.class || type == Integer.class) {
      return Integer.valueOf(value);
    }
    if (type == long.class || type == Long.class) {
      return Long.valueOf(value);
    }
    if (type == short.class || type == Short.class) {
      return Short.valueOf(value);
    }
    if (type == byte.class || type == Byte.class) {
      return Byte.valueOf(value);
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true".equals(value) || "1".equals(value);
    }
    if (type == float.class || type == Float.class) {
      return Float.valueOf(value);
    }
    if (type == double.class || type == Double.class) {
      return Double.valueOf(value);
    }
    if (type == byte[].class) {
      return Base64.getMimeDecoder().decode(value);
    }
    if (type == Calendar.class) {
      try {
        return DatatypeFactory.newInstance().newXMLGregorianCalendar(value).toGregorianCalendar();
      } catch (DatatypeConfigurationException e) {
        throw new IllegalStateException("no XML datatype factory", e);
      }
    }
    if (type.isEnum()) {
      for (Object constant : type.getEnumConstants()) {
        if (((Enum<?>) constant).name().equals(value) || constant.toString().equals(value)) {
          return constant;
        }
      }
      // a value newer than the model: leave the field unset rather than fail the whole response
      return null;
    }
    throw new IllegalArgumentException("not a simple type: " + type);
  }

  private static Class<?> boxed(Class<?> type) {
    if (!type.isPrimitive()) {
      return type;
    }
    return Array.get(Array.newInstance(type, 1), 0).getClass();
  }

  /** yavijava's names of return types. */
  private static Class<?> namedType(String name) {
    return switch (name) {
      case "boolean" -> boolean.class;
      case "int" -> int.class;
      case "long" -> long.class;
      case "short" -> short.class;
      case "String", "string" -> String.class;
      case "Calendar", "java.util.Calendar" -> Calendar.class;
      default -> vimClass(name).orElse(Object.class);
    };
  }

  /** XML schema and vim25 type names as they appear in {@code xsi:type}. */
  private static Optional<Class<?>> xsiClass(String name) {
    return switch (name) {
      case "string", "String" -> Optional.of(String.class);
      case "int", "Int" -> Optional.of(int.class);
      case "long", "Long" -> Optional.of(long.class);
      case "short", "Short" -> Optional.of(short.class);
      case "byte", "Byte" -> Optional.of(byte.class);
      case "boolean", "Boolean" -> Optional.of(boolean.class);
      case "float", "Float" -> Optional.of(float.class);
      case "double", "Double" -> Optional.of(double.class);
      case "dateTime", "DateTime" -> Optional.of(Calendar.class);
      case "base64Binary" -> Optional.of(byte[].class);
      default -> vimClass(name);
    };
  }

  static Optional<Class<?>> vimClass(String name) {
    return VIM_CLASSES.computeIfAbsent(
        name,
        n -> {
          try {
            return Optional.of(
                Class.forName(VIM_PACKAGE + n, false, TolerantSoapReader.class.getClassLoader()));
          } catch (ClassNotFoundException | LinkageError e) {
            return Optional.empty();
          }
        });
  }

  /** An attribute without namespace: getAttributeValue(null, ..) would also match xsi:type. */
  private static String unqualifiedAttribute(XMLStreamReader xml, String name) {
    for (int i = 0; i < xml.getAttributeCount(); i++) {
      String namespace = xml.getAttributeNamespace(i);
      if ((namespace == null || namespace.isEmpty()) && name.equals(xml.getAttributeLocalName(i))) {
        return xml.getAttributeValue(i);
      }
    }
    return null;
  }

  private static String localPart(String qualified) {
    int colon = qualified.indexOf(':');
    return colon < 0 ? qualified : qualified.substring(colon + 1);
  }

  private static void nextStart(XMLStreamReader xml) throws XMLStreamException {
    while (xml.hasNext()) {
      if (xml.next() == XMLStreamConstants.START_ELEMENT) {
        return;
      }
    }
    throw new XMLStreamException("unexpected end of the SOAP response");
  }

  /** Moves to the next child element; false when the current element ends instead. */
  private static boolean nextChild(XMLStreamReader xml) throws XMLStreamException {
    while (xml.hasNext()) {
      int event = xml.next();
      if (event == XMLStreamConstants.START_ELEMENT) {
        return true;
      }
      if (event == XMLStreamConstants.END_ELEMENT) {
        return false;
      }
    }
    return false;
  }

  private static void skip(XMLStreamReader xml) throws XMLStreamException {
    int depth = 1;
    while (depth > 0) {
      int event = xml.next();
      if (event == XMLStreamConstants.START_ELEMENT) {
        depth++;
      } else if (event == XMLStreamConstants.END_ELEMENT) {
        depth--;
      }
    }
  }

  private static XMLInputFactory newInputFactory() {
    XMLInputFactory factory = XMLInputFactory.newFactory();
    // responses come from the network: no DTDs, no external entities
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    factory.setProperty(XMLInputFactory.IS_COALESCING, true);
    return factory;
  }
}
