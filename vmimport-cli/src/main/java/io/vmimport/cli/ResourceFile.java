package io.vmimport.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NetworkMapping;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceRef;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.core.ProviderRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BiFunction;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A multi-document YAML file of the resources a user would apply to a cluster running
 * vm-import-controller: {@code v1} Secrets, source objects ({@code VmwareSource}, {@code
 * OpenstackSource}, {@code OvaSource}, or any other {@code *Source} kind of group {@code
 * migration.harvesterhci.io}) and {@code VirtualMachineImport}s. Field names, types and defaults
 * are those of the CRDs (COMPAT.md).
 *
 * <p>Reading checks each document on its own (types, enum values). References between documents
 * (import → source → Secret) are resolved by {@link #request}, so that a file without its Secrets
 * still parses, e.g. upstream's samples.
 *
 * <p>Every problem is a {@link VmImportException} with code {@link ErrorCode#INVALID_SPEC} and a
 * one-line message naming the file, the document and the field.
 */
final class ResourceFile {
  static final String GROUP = "migration.harvesterhci.io";
  static final String API_VERSION = GROUP + "/v1beta1";
  static final String DEFAULT_NAMESPACE = "default";
  static final String SECRET = "Secret";
  static final String IMPORT = "VirtualMachineImport";

  private static final Set<String> IMPORT_FIELDS =
      Set.of(
          "sourceCluster",
          "virtualMachineName",
          "folder",
          "networkMapping",
          "defaultNetworkInterfaceModel",
          "storageClass",
          "defaultDiskBusType",
          "forcePowerOff",
          "gracefulShutdownTimeoutSeconds",
          "skipPreflightChecks");
  private static final Set<String> SOURCE_CLUSTER_FIELDS =
      Set.of("apiVersion", "kind", "name", "namespace", "fieldPath", "resourceVersion", "uid");
  private static final Set<String> MAPPING_FIELDS =
      Set.of("sourceNetwork", "destinationNetwork", "networkInterfaceModel");

  /**
   * Identity of one document.
   *
   * @param number position in the file, from 1
   */
  record DocumentId(int number, String kind, String namespace, String name) {
    DocumentId {
      requireNonNull(kind, "kind is null");
      requireNonNull(namespace, "namespace is null");
      requireNonNull(name, "name is null");
    }

    @Override
    public String toString() {
      return kind + " " + namespace + "/" + name;
    }
  }

  /** {@code spec.credentials} of a source. */
  record SecretRef(String namespace, String name) {
    @Override
    public String toString() {
      return namespace + "/" + name;
    }
  }

  /** A Secret with its {@code data} decoded and {@code stringData} merged over it. */
  record SecretDocument(DocumentId id, Map<String, String> data) {
    SecretDocument {
      data = Map.copyOf(data);
    }
  }

  /**
   * A source object.
   *
   * @param providerKind e.g. {@code vmware} for {@code VmwareSource}
   * @param settings the scalar fields of its spec except {@code credentials}, as strings
   */
  record SourceDocument(
      DocumentId id,
      String providerKind,
      Map<String, String> settings,
      Optional<SecretRef> credentials) {
    SourceDocument {
      settings = Map.copyOf(settings);
    }
  }

  /**
   * A VirtualMachineImport.
   *
   * @param uid its {@code metadata.uid} when the file gives one; otherwise one derived from its
   *     namespace and name, so that a re-run of the same file finds its own work again
   */
  record ImportDocument(DocumentId id, ImportSpec spec, String uid) {
    ImportRef ref() {
      return new ImportRef(id.namespace(), id.name(), uid);
    }
  }

  private final String fileName;
  private final List<SecretDocument> secrets;
  private final List<SourceDocument> sources;
  private final List<ImportDocument> imports;
  private final List<String> warnings;

  private ResourceFile(
      String fileName,
      List<SecretDocument> secrets,
      List<SourceDocument> sources,
      List<ImportDocument> imports,
      List<String> warnings) {
    this.fileName = fileName;
    this.secrets = List.copyOf(secrets);
    this.sources = List.copyOf(sources);
    this.imports = List.copyOf(imports);
    this.warnings = List.copyOf(warnings);
  }

  /** Reads a file; messages name it as given. */
  static ResourceFile read(Path file) {
    String text;
    try {
      byte[] bytes = Files.readAllBytes(file);
      text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC, file + ": not a UTF-8 text file (" + e + ")", e);
    } catch (IOException e) {
      throw new VmImportException(ErrorCode.INVALID_SPEC, file + ": cannot read: " + e, e);
    }
    return parse(file.toString(), text);
  }

  static ResourceFile parse(String fileName, String yaml) {
    return new Reader(fileName).read(yaml);
  }

  String fileName() {
    return fileName;
  }

  List<SecretDocument> secrets() {
    return secrets;
  }

  List<SourceDocument> sources() {
    return sources;
  }

  List<ImportDocument> imports() {
    return imports;
  }

  /** Unknown fields, ignored as the Kubernetes API server prunes them, worth a warning. */
  List<String> warnings() {
    return warnings;
  }

  /** How messages name a document: {@code resources.yaml: VmwareSource default/vcsim}. */
  String describe(DocumentId id) {
    return fileName + ": " + id;
  }

  /**
   * The imports to work on: all of them, or the one named {@code name} ({@code name} or {@code
   * namespace/name}).
   */
  List<ImportDocument> select(Optional<String> name) {
    if (imports.isEmpty()) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC, fileName + ": contains no " + IMPORT + " document");
    }
    if (name.isEmpty()) {
      return imports;
    }
    String wanted = name.get();
    List<ImportDocument> matching =
        imports.stream()
            .filter(
                doc ->
                    wanted.equals(doc.id().name())
                        || wanted.equals(doc.id().namespace() + "/" + doc.id().name()))
            .toList();
    if (matching.isEmpty()) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          fileName
              + ": no "
              + IMPORT
              + " named '"
              + wanted
              + "'; the file has "
              + imports.stream().map(doc -> doc.ref().toString()).toList());
    }
    if (matching.size() > 1) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          fileName
              + ": several "
              + IMPORT
              + "s are named '"
              + wanted
              + "': "
              + matching.stream().map(doc -> doc.ref().toString()).toList()
              + "; give --import namespace/name");
    }
    return matching;
  }

  /** The source an import refers to, with its Secret resolved. */
  ImportRequest request(ImportDocument doc, boolean allowCrossNamespaceSecrets) {
    return new ImportRequest(doc.ref(), doc.spec(), source(doc, allowCrossNamespaceSecrets));
  }

  /** Resolves an import's {@code spec.sourceCluster} and the source's Secret. */
  SourceSpec source(ImportDocument doc, boolean allowCrossNamespaceSecrets) {
    SourceDocument source = sourceOf(doc);
    Credentials credentials = Credentials.NONE;
    if (source.credentials().isPresent()) {
      SecretRef ref = source.credentials().get();
      if (!ref.namespace().equals(source.id().namespace()) && !allowCrossNamespaceSecrets) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            describe(source.id())
                + ": spec.credentials.namespace: Secret "
                + ref
                + " is in another namespace than the source ('"
                + source.id().namespace()
                + "'), refused by default so that a source cannot borrow another namespace's"
                + " credentials; pass --allow-cross-namespace-secrets to allow it");
      }
      SecretDocument secret =
          secrets.stream()
              .filter(
                  s ->
                      s.id().namespace().equals(ref.namespace())
                          && s.id().name().equals(ref.name()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new VmImportException(
                          ErrorCode.INVALID_SPEC,
                          describe(source.id())
                              + ": spec.credentials: Secret "
                              + ref
                              + " is not in "
                              + fileName
                              + "; add it as a document (apiVersion: v1, kind: Secret)"));
      credentials = new Credentials(ref.toString(), secret.data());
    }
    return new SourceSpec(
        source.providerKind(),
        source.id().namespace(),
        source.id().name(),
        source.settings(),
        credentials);
  }

  /** The source document an import's {@code spec.sourceCluster} names. */
  SourceDocument sourceOf(ImportDocument doc) {
    SourceRef ref = doc.spec().sourceCluster();
    String kind = ProviderRegistry.providerKind(ref.kind());
    return sources.stream()
        .filter(
            s ->
                s.providerKind().equals(kind)
                    && s.id().name().equals(ref.name())
                    && s.id().namespace().equals(ref.namespace()))
        .findFirst()
        .orElseThrow(
            () ->
                new VmImportException(
                    ErrorCode.INVALID_SPEC,
                    describe(doc.id())
                        + ": spec.sourceCluster: "
                        + ref.kind()
                        + " "
                        + ref.namespace()
                        + "/"
                        + ref.name()
                        + " is not in "
                        + fileName
                        + "; the file has "
                        + (sources.isEmpty()
                            ? "no source"
                            : sources.stream().map(s -> s.id().toString()).toList())));
  }

  /** Reads the documents of one file. */
  private static final class Reader {
    private final String fileName;
    private final YAMLMapper yaml = new YAMLMapper();
    private final List<SecretDocument> secrets = new ArrayList<>();
    private final List<SourceDocument> sources = new ArrayList<>();
    private final List<ImportDocument> imports = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Map<String, DocumentId> seen = new LinkedHashMap<>();

    Reader(String fileName) {
      this.fileName = fileName;
      yaml.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }

    ResourceFile read(String text) {
      int number = 0;
      // a parser of our own, so that a top-level list is one document and not unwrapped
      try (JsonParser parser = yaml.getFactory().createParser(text);
          MappingIterator<JsonNode> documents = yaml.readerFor(JsonNode.class).readValues(parser)) {
        while (documents.hasNextValue()) {
          JsonNode document = documents.nextValue();
          number++;
          if (document == null || document.isNull() || document.isMissingNode()) {
            continue; // an empty document, e.g. after a trailing "---"
          }
          document(number, document);
        }
      } catch (JsonProcessingException e) {
        throw malformed(number + 1, e);
      } catch (IOException e) {
        throw new VmImportException(ErrorCode.INVALID_SPEC, fileName + ": cannot read: " + e, e);
      }
      return new ResourceFile(fileName, secrets, sources, imports, warnings);
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

    private void document(int number, JsonNode node) {
      String position = fileName + ": document " + number;
      if (!node.isObject()) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            position + " is not a mapping (a Kubernetes object with apiVersion, kind, metadata)");
      }
      DocumentField root = DocumentField.root(position, node);
      String kind = root.get("kind").string().filter(k -> !k.isBlank()).orElse("");
      if (kind.isEmpty()) {
        throw root.get("kind").invalid("is required");
      }
      String apiVersion = root.get("apiVersion").string().orElse("");
      boolean source = kind.endsWith("Source") && kind.length() > "Source".length();
      if (!kind.equals(SECRET) && !kind.equals(IMPORT) && !source) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            fileName
                + ": unknown kind '"
                + kind
                + "' in document "
                + number
                + "; expected "
                + SECRET
                + ", "
                + IMPORT
                + " or a *Source kind");
      }
      String expectedVersion = kind.equals(SECRET) ? "v1" : API_VERSION;
      if (!apiVersion.equals(expectedVersion)) {
        throw root.get("apiVersion")
            .invalid(
                (apiVersion.isEmpty() ? "is required" : "'" + apiVersion + "' is wrong")
                    + "; "
                    + kind
                    + " is "
                    + expectedVersion);
      }
      DocumentField metadata = root.get("metadata").requireObject();
      DocumentField nameField = metadata.get("name");
      String name = nameField.string().filter(n -> !n.isBlank()).orElse("");
      if (name.isEmpty()) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC, position + " (" + kind + "): metadata.name: is required");
      }
      String namespace =
          metadata.get("namespace").string().filter(n -> !n.isBlank()).orElse(DEFAULT_NAMESPACE);
      DocumentId id = new DocumentId(number, kind, namespace, name);
      String key =
          (source ? "source " + ProviderRegistry.providerKind(kind) : kind)
              + " "
              + namespace
              + "/"
              + name;
      DocumentId previous = seen.putIfAbsent(key, id);
      if (previous != null) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            fileName
                + ": "
                + id
                + " appears twice (documents "
                + previous.number()
                + " and "
                + number
                + ")");
      }
      DocumentField described = DocumentField.root(fileName + ": " + id, node);
      if (kind.equals(SECRET)) {
        secrets.add(secret(id, described));
      } else if (kind.equals(IMPORT)) {
        String uid =
            metadata
                .get("uid")
                .nonEmptyString()
                .orElseGet(
                    () ->
                        UUID.nameUUIDFromBytes(
                                (namespace + "/" + name).getBytes(StandardCharsets.UTF_8))
                            .toString());
        imports.add(
            new ImportDocument(id, importSpec(id, described.get("spec").requireObject()), uid));
      } else {
        sources.add(source(id, described.get("spec").requireObject()));
      }
    }

    private static SecretDocument secret(DocumentId id, DocumentField root) {
      Map<String, String> data = new LinkedHashMap<>();
      DocumentField encoded = root.get("data");
      for (String key : encoded.keys()) {
        DocumentField field = encoded.get(key);
        Optional<String> value = field.string();
        if (value.isEmpty()) {
          continue;
        }
        try {
          // like Go's decoder, tolerate line breaks in long values
          byte[] bytes = Base64.getDecoder().decode(value.get().replaceAll("[\\r\\n]", ""));
          data.put(
              key, StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
        } catch (IllegalArgumentException e) {
          throw field.invalid("not valid base64 (" + e.getMessage() + "); use stringData for text");
        } catch (CharacterCodingException e) {
          throw field.invalid("decodes to bytes that are not UTF-8 text");
        }
      }
      DocumentField plain = root.get("stringData");
      for (String key : plain.keys()) {
        plain.get(key).string().ifPresent(value -> data.put(key, value));
      }
      return new SecretDocument(id, data);
    }

    private SourceDocument source(DocumentId id, DocumentField spec) {
      Map<String, String> settings = new LinkedHashMap<>();
      for (String key : spec.keys()) {
        DocumentField field = spec.get(key);
        if (key.equals("credentials")) {
          continue;
        }
        if (field.isScalar()) {
          settings.put(key, field.scalarText());
        } else if (field.isPresent()) {
          warnings.add(
              fileName + ": " + id + ": " + field.path() + " is not a scalar value; ignored");
        }
      }
      DocumentField credentials = spec.get("credentials").requireObject();
      Optional<SecretRef> secret = Optional.empty();
      if (credentials.isPresent()) {
        String name = credentials.get("name").requiredString();
        String namespace = credentials.get("namespace").nonEmptyString().orElse(id.namespace());
        secret = Optional.of(new SecretRef(namespace, name));
      }
      return new SourceDocument(id, ProviderRegistry.providerKind(id.kind()), settings, secret);
    }

    private ImportSpec importSpec(DocumentId id, DocumentField spec) {
      warnUnknown(spec, IMPORT_FIELDS);
      DocumentField cluster = spec.get("sourceCluster").requireObject();
      if (!cluster.isPresent()) {
        throw cluster.invalid("is required");
      }
      warnUnknown(cluster, SOURCE_CLUSTER_FIELDS);
      SourceRef sourceRef =
          new SourceRef(
              // checked by the engine's validation, which names the expected value
              cluster.get("apiVersion").string().orElse(""),
              cluster.get("kind").requiredString(),
              cluster.get("name").requiredString(),
              cluster.get("namespace").nonEmptyString().orElse(id.namespace()));
      ImportSpec.Builder builder =
          ImportSpec.builder(sourceRef, spec.get("virtualMachineName").requiredString());
      spec.get("folder").nonEmptyString().ifPresent(builder::folder);
      for (DocumentField entry : spec.get("networkMapping").elements()) {
        entry.requireObject();
        warnUnknown(entry, MAPPING_FIELDS);
        builder.addNetworkMapping(
            new NetworkMapping(
                entry.get("sourceNetwork").string().orElse(""),
                entry.get("destinationNetwork").string().orElse(""),
                enumValue(entry.get("networkInterfaceModel"), NicModel::parse)));
      }
      enumValue(spec.get("defaultNetworkInterfaceModel"), NicModel::parse)
          .ifPresent(builder::defaultNetworkInterfaceModel);
      spec.get("storageClass").nonEmptyString().ifPresent(builder::storageClass);
      enumValue(spec.get("defaultDiskBusType"), DiskBus::parse)
          .ifPresent(builder::defaultDiskBusType);
      spec.get("forcePowerOff").bool().ifPresent(builder::forcePowerOff);
      spec.get("gracefulShutdownTimeoutSeconds")
          .integer()
          .ifPresent(seconds -> builder.gracefulShutdownTimeout(Duration.ofSeconds(seconds)));
      spec.get("skipPreflightChecks").bool().ifPresent(builder::skipPreflightChecks);
      return builder.build();
    }

    /** An enum field; {@code ""} means the default, as in upstream's CRD enums. */
    private static <E> Optional<E> enumValue(
        DocumentField field, BiFunction<String, String, E> parse) {
      Optional<String> value = field.nonEmptyString();
      if (value.isEmpty()) {
        return Optional.empty();
      }
      try {
        return Optional.of(parse.apply(value.get(), field.path()));
      } catch (VmImportException e) {
        // the api's message names the field and lists the accepted values
        throw new VmImportException(
            ErrorCode.INVALID_SPEC, field.document() + ": " + e.getMessage(), e);
      }
    }

    private void warnUnknown(DocumentField object, Set<String> known) {
      for (String key : object.keys()) {
        if (!known.contains(key)) {
          warnings.add(
              object.document()
                  + ": unknown field "
                  + object.get(key).path()
                  + " ignored; known fields: "
                  + new TreeSet<>(known));
        }
      }
    }
  }
}
