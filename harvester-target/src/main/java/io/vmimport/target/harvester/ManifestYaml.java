package io.vmimport.target.harvester;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.List;

/**
 * Writes Kubernetes objects as the multi-document YAML people apply with kubectl: one {@code ---}
 * per document, no quotes where none are needed, but label values such as {@code "1"} and {@code
 * "true"} kept strings. The offline output's files are written with it, and rewritten with it by
 * whoever fills in their URLs.
 */
public final class ManifestYaml {
  private static final YAMLMapper YAML =
      YAMLMapper.builder()
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .build();

  private ManifestYaml() {}

  /** The documents, each after a {@code ---} line. */
  public static String write(List<JsonNode> documents) {
    StringBuilder out = new StringBuilder();
    for (JsonNode document : documents) {
      try {
        out.append("---\n").append(YAML.writeValueAsString(document));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a JSON tree is always writable as YAML", e);
      }
    }
    return out.toString();
  }
}
