package io.vmimport.cli;

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
 * One field of one YAML document, with the path that names it in messages. Typed reads fail with
 * {@link ErrorCode#INVALID_SPEC} and a message that names the file, the document and the field,
 * e.g. {@code resources.yaml: VirtualMachineImport default/alpine: spec.forcePowerOff: expected a
 * boolean, got string 'yes'}.
 *
 * @param document the file and document, e.g. {@code resources.yaml: VmwareSource default/vcsim}
 * @param path the field's path, e.g. {@code spec.networkMapping[0].sourceNetwork}
 * @param value the field's value; {@code null} when the field is absent
 */
record DocumentField(String document, String path, JsonNode value) {
  DocumentField {
    requireNonNull(document, "document is null");
    requireNonNull(path, "path is null");
  }

  static DocumentField root(String document, JsonNode value) {
    return new DocumentField(document, "", value);
  }

  DocumentField get(String key) {
    JsonNode child = value != null && value.isObject() ? value.get(key) : null;
    return new DocumentField(document, path.isEmpty() ? key : path + "." + key, child);
  }

  /** Absent and explicit {@code null} are the same, as for the Kubernetes API. */
  boolean isPresent() {
    return value != null && !value.isNull() && !value.isMissingNode();
  }

  boolean isScalar() {
    return isPresent() && value.isValueNode();
  }

  Optional<String> string() {
    if (!isPresent()) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw wrongType("a string");
    }
    return Optional.of(value.textValue());
  }

  /** A string that must be there and not blank. */
  String requiredString() {
    return string().filter(s -> !s.isBlank()).orElseThrow(() -> invalid("is required"));
  }

  /** The empty string counts as absent, as upstream treats {@code ""} as "use the default". */
  Optional<String> nonEmptyString() {
    return string().filter(s -> !s.isEmpty());
  }

  Optional<Boolean> bool() {
    if (!isPresent()) {
      return Optional.empty();
    }
    if (!value.isBoolean()) {
      throw wrongType("a boolean (true or false)");
    }
    return Optional.of(value.booleanValue());
  }

  OptionalLong integer() {
    if (!isPresent()) {
      return OptionalLong.empty();
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw wrongType("an integer");
    }
    return OptionalLong.of(value.longValue());
  }

  /** The entries of a mapping field; empty when absent. */
  List<String> keys() {
    if (!isPresent()) {
      return List.of();
    }
    requireObject();
    List<String> keys = new ArrayList<>();
    value.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  /** The elements of a list field; empty when absent. */
  List<DocumentField> elements() {
    if (!isPresent()) {
      return List.of();
    }
    if (!value.isArray()) {
      throw wrongType("a list");
    }
    List<DocumentField> elements = new ArrayList<>();
    Iterator<JsonNode> iterator = value.elements();
    for (int i = 0; iterator.hasNext(); i++) {
      elements.add(new DocumentField(document, path + "[" + i + "]", iterator.next()));
    }
    return elements;
  }

  /** Checks that a present field is a mapping. */
  DocumentField requireObject() {
    if (isPresent() && !value.isObject()) {
      throw wrongType("a mapping");
    }
    return this;
  }

  /** The scalar's text: strings as they are, numbers in decimal, booleans as true/false. */
  String scalarText() {
    return value.asText();
  }

  VmImportException invalid(String problem) {
    return new VmImportException(ErrorCode.INVALID_SPEC, document + ": " + path + ": " + problem);
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
