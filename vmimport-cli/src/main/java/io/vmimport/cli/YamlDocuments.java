package io.vmimport.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads the documents of a multi-document YAML file a user hands to the command, within limits: at
 * most {@link #MAX_BYTES} (a bigger file, or {@code /dev/zero}, is refused before parsing instead
 * of filling the memory), a nesting depth no manifest needs, duplicate keys refused, and YAML
 * aliases ({@code *name}) refused, since Jackson would read them as the anchor's name, a silently
 * wrong value.
 *
 * <p>Every problem is a {@link VmImportException} with code {@link ErrorCode#INVALID_SPEC} and a
 * one-line message naming the file, and for malformed YAML the document, line and column.
 */
final class YamlDocuments {
  /** The largest file read: 1 MiB, far above a file of a few hundred imports. */
  static final int MAX_BYTES = 1 << 20;

  /** One non-empty document and its position in the file, from 1. */
  record Document(int number, JsonNode node) {}

  private final String fileName;
  private final String limitFor;
  private final YAMLMapper yaml;

  /**
   * @param fileName how messages name the file
   * @param limitFor what the file is, and what to do when it is over the limit, as the message
   *     about a file over the limit ends: "the limit for {@code limitFor}"
   */
  private YamlDocuments(String fileName, String limitFor) {
    this.fileName = fileName;
    this.limitFor = limitFor;
    LoaderOptions loader = new LoaderOptions();
    // SnakeYAML's own limits, matched to ours: the whole file, and a depth no manifest needs
    loader.setCodePointLimit(MAX_BYTES);
    loader.setNestingDepthLimit(64);
    YAMLFactory factory =
        YAMLFactory.builder()
            .loaderOptions(loader)
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(64)
                    .maxStringLength(MAX_BYTES)
                    .maxDocumentLength(MAX_BYTES)
                    .build())
            .build();
    yaml = new YAMLMapper(factory);
    yaml.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  }

  /** Reads a file; messages name it as given. */
  static List<Document> read(Path file, String limitFor) {
    YamlDocuments reader = new YamlDocuments(file.toString(), limitFor);
    try {
      // a regular file's size is known: refuse a big one without reading a byte of it
      if (Files.isRegularFile(file) && Files.size(file) > MAX_BYTES) {
        throw reader.tooBig();
      }
      try (InputStream in = Files.newInputStream(file)) {
        return reader.read(in);
      }
    } catch (IOException e) {
      throw new VmImportException(ErrorCode.INVALID_SPEC, file + ": cannot read: " + e, e);
    }
  }

  /**
   * Reads a stream (stdin, a device, a pipe) up to {@link #MAX_BYTES}; messages name it {@code
   * name}.
   */
  static List<Document> read(String name, InputStream in, String limitFor) throws IOException {
    return new YamlDocuments(name, limitFor).read(in);
  }

  /** Parses text already read; messages name it {@code name}. */
  static List<Document> parse(String name, String text) {
    return new YamlDocuments(name, "this file").parse(text);
  }

  private List<Document> read(InputStream in) throws IOException {
    byte[] bytes = in.readNBytes(MAX_BYTES + 1);
    if (bytes.length > MAX_BYTES) {
      throw tooBig();
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC, fileName + ": not a UTF-8 text file (" + e + ")", e);
    }
    return parse(text);
  }

  private VmImportException tooBig() {
    return new VmImportException(
        ErrorCode.INVALID_SPEC,
        fileName + ": larger than " + (MAX_BYTES >> 20) + " MiB, the limit for " + limitFor);
  }

  private List<Document> parse(String text) {
    refuseAliases(text);
    List<Document> documents = new ArrayList<>();
    int number = 0;
    // a parser of our own, so that a top-level list is one document and not unwrapped
    try (JsonParser parser = yaml.getFactory().createParser(text);
        MappingIterator<JsonNode> nodes = yaml.readerFor(JsonNode.class).readValues(parser)) {
      while (nodes.hasNextValue()) {
        JsonNode node = nodes.nextValue();
        number++;
        if (node == null || node.isNull() || node.isMissingNode()) {
          continue; // an empty document, e.g. after a trailing "---"
        }
        documents.add(new Document(number, node));
      }
    } catch (JsonProcessingException e) {
      throw malformed(number + 1, e);
    } catch (IOException e) {
      throw new VmImportException(ErrorCode.INVALID_SPEC, fileName + ": cannot read: " + e, e);
    }
    return documents;
  }

  /**
   * Jackson reads an alias ({@code *vm}) as the string {@code vm}, not as the anchored value: a
   * file using them would say something else than it means. Kubernetes manifests rarely use them,
   * so they are refused with where they are rather than expanded (which would also need a guard
   * against billion-laughs expansion).
   */
  private void refuseAliases(String text) {
    try (JsonParser parser = yaml.getFactory().createParser(text)) {
      YAMLParser yamlParser = (YAMLParser) parser;
      for (JsonToken token = parser.nextToken(); ; token = parser.nextToken()) {
        if (token == null) {
          if (parser.isClosed()) {
            return;
          }
          continue; // end of one document; the next may follow
        }
        if (yamlParser.isCurrentAlias()) {
          throw new VmImportException(
              ErrorCode.INVALID_SPEC,
              fileName
                  + ": YAML alias '*"
                  + parser.getText()
                  + "' at line "
                  + parser.currentTokenLocation().getLineNr()
                  + ", column "
                  + parser.currentTokenLocation().getColumnNr()
                  + " is not supported; write the value out instead");
        }
      }
    } catch (JsonProcessingException e) {
      // malformed: the document-by-document read says where, with the document's number
    } catch (IOException e) {
      throw new VmImportException(ErrorCode.INVALID_SPEC, fileName + ": cannot read: " + e, e);
    }
  }

  private VmImportException malformed(int number, JsonProcessingException e) {
    String where;
    String problem;
    if (e.getCause() instanceof MarkedYAMLException yamlError) {
      Mark mark =
          yamlError.getProblemMark() != null
              ? yamlError.getProblemMark()
              : yamlError.getContextMark();
      where =
          mark == null
              ? ""
              : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
      problem =
          yamlError.getProblem()
              + (yamlError.getContext() == null ? "" : " (" + yamlError.getContext() + ")");
    } else {
      where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      problem = e.getOriginalMessage();
    }
    return new VmImportException(
        ErrorCode.INVALID_SPEC,
        fileName
            + ": malformed YAML in document "
            + number
            + where
            + ": "
            + problem.replaceAll("\\s+", " ").trim(),
        e);
  }
}
