package io.vmimport.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.SourceRef;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.resources.MigrationResources;
import io.vmimport.resources.NamespacePolicy;
import io.vmimport.resources.ObjectId;
import io.vmimport.resources.ResourceField;
import io.vmimport.resources.SecretRef;
import io.vmimport.resources.SourceObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A multi-document YAML file of the resources a user would apply to a cluster running
 * vm-import-controller: {@code v1} Secrets, source objects ({@code VmwareSource}, {@code
 * OpenstackSource}, {@code OvaSource}, or any other {@code *Source} kind of group {@code
 * migration.harvesterhci.io}) and {@code VirtualMachineImport}s.
 *
 * <p>This class reads YAML (documents, their numbers, the file's name in messages) and hands each
 * document's tree to {@link MigrationResources}, the translation the operator uses too, where the
 * rules live (names, numbers, Secrets, namespaces). References between documents (import → source →
 * Secret) are resolved by {@link #request}, so that a file without its Secrets still parses, e.g.
 * upstream's samples.
 *
 * <p>The file is read whole, at most {@link #MAX_BYTES}: a resources file is a few kilobytes, and a
 * bigger one (or {@code /dev/zero}) is refused before parsing instead of filling the memory. YAML
 * aliases ({@code *name}) are refused: Jackson would read them as the anchor's name, a silently
 * wrong value.
 *
 * <p>Every problem is a {@link VmImportException} with code {@link ErrorCode#INVALID_SPEC} and a
 * one-line message naming the file, the document and the field.
 */
final class ResourceFile {
  static final String API_VERSION = MigrationResources.API_VERSION;
  static final String DEFAULT_NAMESPACE = MigrationResources.DEFAULT_NAMESPACE;
  static final String SECRET = MigrationResources.SECRET;
  static final String IMPORT = MigrationResources.IMPORT;

  /** The largest resources file read: 1 MiB, far above a file of a few hundred imports. */
  static final int MAX_BYTES = YamlDocuments.MAX_BYTES;

  private static final String TOO_BIG_ADVICE =
      "a resources file; split it, or choose the import with --import in a file of its own";

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

  /** A Secret with its {@code data} decoded and {@code stringData} merged over it. */
  record SecretDocument(DocumentId id, Map<String, String> data) {
    SecretDocument {
      data = Map.copyOf(data);
    }
  }

  /** A source object, as the shared translation read it. */
  record SourceDocument(DocumentId id, SourceObject object) {
    /** e.g. {@code vmware} for {@code VmwareSource}. */
    String providerKind() {
      return object.providerKind();
    }

    /** The scalar fields of its spec except {@code credentials}, as strings. */
    Map<String, String> settings() {
      return object.settings();
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

  /** Reads a file; messages name it as given; unknown fields are errors. */
  static ResourceFile read(Path file) {
    return read(file, true);
  }

  /**
   * Reads a file; messages name it as given.
   *
   * @param unknownFieldsAreErrors false to ignore them with a warning, as the API server prunes
   *     them ({@code --validate=warn})
   */
  static ResourceFile read(Path file, boolean unknownFieldsAreErrors) {
    return new Reader(file.toString(), unknownFieldsAreErrors)
        .read(YamlDocuments.read(file, TOO_BIG_ADVICE));
  }

  /**
   * Reads a stream (stdin, a device, a pipe) up to {@link #MAX_BYTES}; messages name it {@code
   * name}.
   */
  static ResourceFile read(String name, InputStream in, boolean unknownFieldsAreErrors)
      throws IOException {
    return new Reader(name, unknownFieldsAreErrors)
        .read(YamlDocuments.read(name, in, TOO_BIG_ADVICE));
  }

  /** Parses a file's text; unknown fields are errors. */
  static ResourceFile parse(String fileName, String yaml) {
    return parse(fileName, yaml, true);
  }

  static ResourceFile parse(String fileName, String yaml, boolean unknownFieldsAreErrors) {
    return new Reader(fileName, unknownFieldsAreErrors).read(YamlDocuments.parse(fileName, yaml));
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

  /**
   * Unknown fields when they are not errors (ignored as the Kubernetes API server prunes them), and
   * source fields that are not scalar values.
   */
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

  /** The source an import refers to, with its Secret resolved, checked against {@code policy}. */
  ImportRequest request(ImportDocument doc, NamespacePolicy policy) {
    policy.checkSource(describe(doc.id()), doc.id().namespace(), doc.spec().sourceCluster());
    SourceDocument source = sourceOf(doc);
    return MigrationResources.request(
        describe(doc.id()),
        doc.ref(),
        doc.spec(),
        describe(source.id()),
        source.object(),
        policy,
        ref -> secret(source, ref));
  }

  /** Resolves an import's {@code spec.sourceCluster} and the source's Secret. */
  SourceSpec source(ImportDocument doc, NamespacePolicy policy) {
    return request(doc, policy).source();
  }

  private Map<String, String> secret(SourceDocument source, SecretRef ref) {
    return secrets.stream()
        .filter(s -> s.id().namespace().equals(ref.namespace()) && s.id().name().equals(ref.name()))
        .findFirst()
        .map(SecretDocument::data)
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
  }

  /** The source document an import's {@code spec.sourceCluster} names. */
  SourceDocument sourceOf(ImportDocument doc) {
    SourceRef ref = doc.spec().sourceCluster();
    String kind = MigrationResources.providerKind(ref.kind());
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
    private final List<SecretDocument> secrets = new ArrayList<>();
    private final List<SourceDocument> sources = new ArrayList<>();
    private final List<ImportDocument> imports = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Map<String, DocumentId> seen = new LinkedHashMap<>();
    private final boolean unknownFieldsAreErrors;

    Reader(String fileName, boolean unknownFieldsAreErrors) {
      this.fileName = fileName;
      this.unknownFieldsAreErrors = unknownFieldsAreErrors;
    }

    ResourceFile read(List<YamlDocuments.Document> documents) {
      for (YamlDocuments.Document document : documents) {
        document(document.number(), document.node());
      }
      return new ResourceFile(fileName, secrets, sources, imports, warnings);
    }

    /**
     * A field the CRD does not have. The API server would prune it silently; here it is an error by
     * default, since it is mostly a typo ({@code forcePoweroff}) whose intent would be lost.
     */
    private void unknownField(String message) {
      if (unknownFieldsAreErrors) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            message + " (--validate=warn ignores unknown fields with a warning)");
      }
      warnings.add(message + " (ignored)");
    }

    private void document(int number, JsonNode node) {
      String position = fileName + ": document " + number;
      if (!node.isObject()) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            position + " is not a mapping (a Kubernetes object with apiVersion, kind, metadata)");
      }
      ResourceField root = ResourceField.root(position, node);
      String kind = root.get("kind").string().filter(k -> !k.isBlank()).orElse("");
      if (kind.isEmpty()) {
        throw root.get("kind").invalid("is required");
      }
      String apiVersion = root.get("apiVersion").string().orElse("");
      boolean source = MigrationResources.isSourceKind(kind);
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
      ObjectId object =
          MigrationResources.identify(
              ResourceField.root(position + " (" + kind + ")", node), kind, DEFAULT_NAMESPACE);
      DocumentId id = new DocumentId(number, kind, object.namespace(), object.name());
      String key =
          (source ? "source " + MigrationResources.providerKind(kind) : kind)
              + " "
              + id.namespace()
              + "/"
              + id.name();
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
      ResourceField described = ResourceField.root(fileName + ": " + id, node);
      if (kind.equals(SECRET)) {
        secrets.add(new SecretDocument(id, MigrationResources.secretData(described)));
      } else if (kind.equals(IMPORT)) {
        String uid =
            described
                .get("metadata")
                .get("uid")
                .nonEmptyString()
                .orElseGet(
                    () ->
                        UUID.nameUUIDFromBytes(
                                (id.namespace() + "/" + id.name()).getBytes(StandardCharsets.UTF_8))
                            .toString());
        imports.add(
            new ImportDocument(
                id,
                MigrationResources.withAnnotations(
                    MigrationResources.importSpec(
                        described.get("spec"), id.namespace(), this::unknownField),
                    described.get("metadata")),
                uid));
      } else {
        sources.add(
            new SourceDocument(
                id, MigrationResources.source(object, described.get("spec"), warnings::add)));
      }
    }
  }
}
