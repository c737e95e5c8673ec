package io.vmimport.resources;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One field of one resource, with the path that names it in messages. Typed reads fail with {@link
 * ErrorCode#INVALID_SPEC} and a message that names the object and the field, e.g. {@code
 * resources.yaml: VirtualMachineImport default/alpine: spec.forcePowerOff: expected a boolean, got
 * string 'yes'}.
 *
 * @param document what the object is, in front of every message, e.g. {@code resources.yaml:
 *     VmwareSource default/vcsim}; empty when the reader already knows (the operator writes the
 *     message into the object's own status)
 * @param path the field's path, e.g. {@code spec.networkMapping[0].sourceNetwork}
 * @param value the field's value; {@code null} when the field is absent
 */
public record ResourceField(String document, String path, JsonNode value) {
  public ResourceField {
    requireNonNull(document, "document is null");
    requireNonNull(path, "path is null");
  }

  public static ResourceField root(String document, JsonNode value) {
    return new ResourceField(document, "", value);
  }

  public ResourceField get(String key) {
    JsonNode child = value != null && value.isObject() ? value.get(key) : null;
    return new ResourceField(document, path.isEmpty() ? key : path + "." + key, child);
  }

  /** Absent and explicit {@code null} are the same, as for the Kubernetes API. */
  public boolean isPresent() {
    return value != null && !value.isNull() && !value.isMissingNode();
  }

  public boolean isScalar() {
    return isPresent() && value.isValueNode();
  }

  public Optional<String> string() {
    if (!isPresent()) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw wrongType("a string");
    }
    return Optional.of(value.textValue());
  }

  /** A string that must be there and not blank. */
  public String requiredString() {
    return string().filter(s -> !s.isBlank()).orElseThrow(() -> invalid("is required"));
  }

  /** The empty string counts as absent, as upstream treats {@code ""} as "use the default". */
  public Optional<String> nonEmptyString() {
    return string().filter(s -> !s.isEmpty());
  }

  public Optional<Boolean> bool() {
    if (!isPresent()) {
      return Optional.empty();
    }
    if (!value.isBoolean()) {
      throw wrongType("a boolean (true or false)");
    }
    return Optional.of(value.booleanValue());
  }

  public OptionalLong integer() {
    if (!isPresent()) {
      return OptionalLong.empty();
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw wrongType("an integer");
    }
    return OptionalLong.of(value.longValue());
  }

  /**
   * An integer within {@code [min, max]}; {@code meaning} says what the bounds are, e.g. {@code
   * "seconds (0 means the default, 60)"}.
   */
  public OptionalLong integer(long min, long max, String meaning) {
    OptionalLong number = integer();
    if (number.isPresent() && (number.getAsLong() < min || number.getAsLong() > max)) {
      throw invalid(
          number.getAsLong() + " is out of range: expected " + min + " to " + max + " " + meaning);
    }
    return number;
  }

  /** The entries of a mapping field; empty when absent. */
  public List<String> keys() {
    if (!isPresent()) {
      return List.of();
    }
    requireObject();
    List<String> keys = new ArrayList<>();
    value.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  /** The elements of a list field; empty when absent. */
  public List<ResourceField> elements() {
    if (!isPresent()) {
      return List.of();
    }
    if (!value.isArray()) {
      throw wrongType("a list");
    }
    List<ResourceField> elements = new ArrayList<>();
    Iterator<JsonNode> iterator = value.elements();
    for (int i = 0; iterator.hasNext(); i++) {
      elements.add(new ResourceField(document, path + "[" + i + "]", iterator.next()));
    }
    return elements;
  }

  /** Checks that a present field is a mapping. */
  public ResourceField requireObject() {
    if (isPresent() && !value.isObject()) {
      throw wrongType("a mapping");
    }
    return this;
  }

  /** The scalar's text: strings as they are, numbers in decimal, booleans as true/false. */
  public String scalarText() {
    return value.asText();
  }

  public VmImportException invalid(String problem) {
    return new VmImportException(ErrorCode.INVALID_SPEC, prefix(document) + path + ": " + problem);
  }

  /** {@code document: } in front of a message, or nothing when the document goes unnamed. */
  static String prefix(String document) {
    return document.isEmpty() ? "" : document + ": ";
  }

  private VmImportException wrongType(String expected) {
    return invalid("expected " + expected + ", got " + describe(value));
  }

  private static String describe(JsonNode node) {
    return switch (node.getNodeType()) {
      case STRING -> "string '" + node.textValue() + "'";
      case NUMBER -> "number " + node.asText();
      case BOOLEAN -> "boolean " + node.asText();
      case OBJECT -> "a mapping";
      case ARRAY -> "a list";
      default -> node.getNodeType().name().toLowerCase(Locale.ROOT);
    };
  }
}
