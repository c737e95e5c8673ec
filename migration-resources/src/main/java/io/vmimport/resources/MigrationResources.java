package io.vmimport.resources;

import io.vmimport.api.DnsNames;
import io.vmimport.api.VmImportException;
import io.vmimport.api.guest.GuestConversionPolicy;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NetworkMapping;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceRef;
import io.vmimport.api.model.SourceSpec;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one translation of the {@code migration.harvesterhci.io} resources into the engine's specs,
 * used by the {@code vmimport} command (documents of a YAML file) and by the operator (objects of
 * the cluster), both as Jackson trees ({@link ResourceField#root}). Every input rule lives here,
 * once:
 *
 * <ul>
 *   <li>field types and enum values, each message naming the object and the field;
 *   <li>names as the API server checks them: {@code metadata.name} and the names an object refers
 *       to are DNS-1123 subdomains, namespaces DNS-1123 labels;
 *   <li>number ranges: {@code gracefulShutdownTimeoutSeconds} 0 to {@link
 *       #MAX_GRACEFUL_SHUTDOWN_SECONDS}, and the numeric fields of the known source kinds;
 *   <li>Secrets: {@code data} is base64 (line breaks allowed, as Go's decoder does) of UTF-8 text,
 *       {@code stringData} wins over {@code data};
 *   <li>namespaces: {@link NamespacePolicy}.
 * </ul>
 *
 * <p>Every problem is a {@link VmImportException} with code {@code INVALID_SPEC}.
 */
public final class MigrationResources {
  public static final String GROUP = "migration.harvesterhci.io";
  public static final String API_VERSION = GROUP + "/v1beta1";
  public static final String SECRET = "Secret";
  public static final String IMPORT = "VirtualMachineImport";
  public static final String DEFAULT_NAMESPACE = "default";

  /**
   * Ours: the annotation on a VirtualMachineImport that sets its guest conversion ({@code auto},
   * {@code always}, {@code never}); upstream's CRD has no field for it.
   */
  public static final String GUEST_CONVERSION_ANNOTATION = "vmimport.io/guest-conversion";

  /**
   * The longest guest shutdown an import may wait for: a day. Longer is a typo (a value in
   * milliseconds, say), and would leave an import stuck in {@code VMShutdownGuest} for years.
   */
  public static final long MAX_GRACEFUL_SHUTDOWN_SECONDS = Duration.ofDays(1).toSeconds();

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

  /** A numeric field of a known source kind and its sane range. */
  private record Range(long min, long max, String meaning) {}

  /**
   * Numeric source fields (charts/vmimport-operator/docs/COMPAT.md). Zero or less keeps upstream's
   * meaning where it has one (the retry fields' default); the upper bounds catch typos that would
   * make an import wait for days.
   */
  private static final Map<String, Range> SOURCE_NUMBERS =
      Map.of(
          "httpTimeoutSeconds", new Range(0, Duration.ofDays(1).toSeconds(), "seconds (0: none)"),
          "uploadImageRetryCount",
              new Range(Long.MIN_VALUE, 1000, "attempts (0 or less: the default, 30)"),
          "uploadImageRetryDelay",
              new Range(
                  Long.MIN_VALUE,
                  Duration.ofHours(1).toSeconds(),
                  "seconds (0 or less: the default, 10)"));

  private MigrationResources() {}

  /** A kind of the group's sources: {@code VmwareSource}, or a third party's {@code *Source}. */
  public static boolean isSourceKind(String kind) {
    return kind.endsWith("Source") && kind.length() > "Source".length();
  }

  /** {@code VmwareSource} and {@code vmware} both give {@code vmware}. */
  public static String providerKind(String kind) {
    return SourceSpec.providerKind(kind);
  }

  /**
   * Reads an object's {@code metadata}: a name the API server accepts for {@code kind}, and a
   * namespace ({@code defaultNamespace} when absent, as kubectl does).
   *
   * @param object the whole object; its document names it before its identity is known
   */
  public static ObjectId identify(ResourceField object, String kind, String defaultNamespace) {
    ResourceField metadata = object.get("metadata").requireObject();
    ResourceField nameField = metadata.get("name");
    String name = subdomain(nameField);
    ResourceField namespaceField = metadata.get("namespace");
    String namespace =
        namespaceField.string().filter(n -> !n.isBlank()).isPresent()
            ? label(namespaceField)
            : defaultNamespace;
    return new ObjectId(kind, namespace, name);
  }

  /** Annotations of a VirtualMachineImport with this prefix are options for its source provider. */
  public static final String SOURCE_OPTION_PREFIX = "source.vmimport.io/";

  private static final java.util.regex.Pattern OPTION_KEY =
      java.util.regex.Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?");
  private static final int MAX_OPTION_LENGTH = 1024;

  /**
   * The spec of a VirtualMachineImport.
   *
   * @param spec its {@code spec} field
   * @param importNamespace where the import is: the default of {@code spec.sourceCluster.namespace}
   * @param warnings receives unknown fields, which the API server would prune; it may throw to make
   *     them errors
   */
  public static ImportSpec importSpec(
      ResourceField spec, String importNamespace, Consumer<String> warnings) {
    if (!spec.isPresent()) {
      throw spec.invalid("is required");
    }
    spec.requireObject();
    warnUnknown(spec, IMPORT_FIELDS, warnings);
    ResourceField cluster = spec.get("sourceCluster").requireObject();
    if (!cluster.isPresent()) {
      throw cluster.invalid("is required");
    }
    warnUnknown(cluster, SOURCE_CLUSTER_FIELDS, warnings);
    ResourceField clusterNamespace = cluster.get("namespace");
    SourceRef sourceRef =
        new SourceRef(
            // checked by the engine's validation, which names the expected value
            cluster.get("apiVersion").string().orElse(""),
            cluster.get("kind").requiredString(),
            subdomain(cluster.get("name")),
            clusterNamespace.nonEmptyString().isPresent()
                ? label(clusterNamespace)
                : importNamespace);
    ImportSpec.Builder builder =
        ImportSpec.builder(sourceRef, spec.get("virtualMachineName").requiredString());
    spec.get("folder").nonEmptyString().ifPresent(builder::folder);
    for (ResourceField entry : spec.get("networkMapping").elements()) {
      entry.requireObject();
      warnUnknown(entry, MAPPING_FIELDS, warnings);
      builder.addNetworkMapping(
          new NetworkMapping(
              entry.get("sourceNetwork").string().orElse(""),
              entry.get("destinationNetwork").string().orElse(""),
              enumValue(entry.get("networkInterfaceModel"), NicModel::parse)));
    }
    enumValue(spec.get("defaultNetworkInterfaceModel"), NicModel::parse)
        .ifPresent(builder::defaultNetworkInterfaceModel);
    ResourceField storageClass = spec.get("storageClass");
    if (storageClass.nonEmptyString().isPresent()) {
      builder.storageClass(subdomain(storageClass));
    }
    enumValue(spec.get("defaultDiskBusType"), DiskBus::parse)
        .ifPresent(builder::defaultDiskBusType);
    spec.get("forcePowerOff").bool().ifPresent(builder::forcePowerOff);
    spec.get("gracefulShutdownTimeoutSeconds")
        .integer(0, MAX_GRACEFUL_SHUTDOWN_SECONDS, "seconds (0: the default, 60)")
        .ifPresent(seconds -> builder.gracefulShutdownTimeout(Duration.ofSeconds(seconds)));
    spec.get("skipPreflightChecks").bool().ifPresent(builder::skipPreflightChecks);
    return builder.build();
  }

  /**
   * The spec with what the import's annotations add: {@link #GUEST_CONVERSION_ANNOTATION}, and the
   * source options ({@link #SOURCE_OPTION_PREFIX}{@code <key>}; see {@link
   * ImportSpec#sourceOptions()}).
   *
   * @param metadata the import's {@code metadata} field
   */
  public static ImportSpec withAnnotations(ImportSpec spec, ResourceField metadata) {
    ImportSpec.Builder builder = spec.toBuilder();
    ResourceField annotations = metadata.get("annotations");
    enumValue(annotations.get(GUEST_CONVERSION_ANNOTATION), GuestConversionPolicy::parse)
        .ifPresent(builder::guestConversion);
    for (String name : annotations.keys()) {
      if (!name.startsWith(SOURCE_OPTION_PREFIX)) {
        continue;
      }
      ResourceField value = annotations.get(name);
      String key = name.substring(SOURCE_OPTION_PREFIX.length());
      if (!OPTION_KEY.matcher(key).matches()) {
        throw value.invalid(
            "is not a source option: the part after "
                + SOURCE_OPTION_PREFIX
                + " must be 1-63 letters, digits, '.', '_' or '-'");
      }
      String text = value.requiredString();
      if (text.length() > MAX_OPTION_LENGTH || text.chars().anyMatch(Character::isISOControl)) {
        throw value.invalid(
            "must be at most " + MAX_OPTION_LENGTH + " characters without control characters");
      }
      builder.sourceOption(key, text);
    }
    return builder.build();
  }

  /**
   * A source object: the scalar fields of its spec as settings, and the Secret it names.
   *
   * @param spec its {@code spec} field
   * @param warnings receives fields that are not scalar values (ignored)
   */
  public static SourceObject source(ObjectId id, ResourceField spec, Consumer<String> warnings) {
    spec.requireObject();
    Map<String, String> settings = new LinkedHashMap<>();
    for (String key : spec.keys()) {
      ResourceField field = spec.get(key);
      if (key.equals("credentials")) {
        continue;
      }
      Range range = SOURCE_NUMBERS.get(key);
      if (range != null) {
        field.integer(range.min(), range.max(), range.meaning());
      }
      if (field.isScalar()) {
        settings.put(key, field.scalarText());
      } else if (field.isPresent()) {
        warnings.accept(
            ResourceField.prefix(field.document())
                + field.path()
                + " is not a scalar value; ignored");
      }
    }
    ResourceField credentials = spec.get("credentials").requireObject();
    Optional<SecretRef> secret = Optional.empty();
    if (credentials.isPresent()) {
      String name = subdomain(credentials.get("name"));
      ResourceField namespaceField = credentials.get("namespace");
      String namespace =
          namespaceField.nonEmptyString().isPresent() ? label(namespaceField) : id.namespace();
      secret = Optional.of(new SecretRef(namespace, name));
    }
    return new SourceObject(id, providerKind(id.kind()), settings, secret);
  }

  /**
   * The data of a Secret: {@code data} decoded from base64 (line breaks tolerated, as Go's decoder
   * does) as UTF-8 text, with {@code stringData} over it, as the API server merges them.
   *
   * @param secret the whole Secret object
   */
  public static Map<String, String> secretData(ResourceField secret) {
    Map<String, String> data = new LinkedHashMap<>();
    ResourceField encoded = secret.get("data");
    for (String key : encoded.keys()) {
      ResourceField field = encoded.get(key);
      Optional<String> value = field.string();
      if (value.isEmpty()) {
        continue;
      }
      try {
        byte[] bytes = Base64.getDecoder().decode(value.get().replaceAll("[\\r\\n]", ""));
        data.put(
            key, StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
      } catch (IllegalArgumentException e) {
        throw field.invalid("not valid base64 (" + e.getMessage() + "); use stringData for text");
      } catch (CharacterCodingException e) {
        throw field.invalid("decodes to bytes that are not UTF-8 text");
      }
    }
    ResourceField plain = secret.get("stringData");
    for (String key : plain.keys()) {
      plain.get(key).string().ifPresent(value -> data.put(key, value));
    }
    return data;
  }

  /**
   * The engine's source: {@code source} with its Secret, if it names one.
   *
   * @param document the source, in front of messages (may be empty)
   * @param secrets the decoded data of a Secret ({@link #secretData}); throws when it is missing,
   *     with the caller's words (a file lacks a document; a cluster may get the Secret later)
   */
  public static SourceSpec sourceSpec(
      String document,
      SourceObject source,
      NamespacePolicy policy,
      Function<SecretRef, Map<String, String>> secrets) {
    Credentials credentials = Credentials.NONE;
    if (source.credentials().isPresent()) {
      SecretRef ref = source.credentials().get();
      policy.checkSecret(document, source.id().namespace(), ref);
      credentials = new Credentials(ref.toString(), secrets.apply(ref));
    }
    return new SourceSpec(
        source.providerKind(),
        source.id().namespace(),
        source.id().name(),
        source.settings(),
        credentials);
  }

  /**
   * Everything one import needs, its source checked against {@code policy}.
   *
   * @param importDocument the import, in front of messages (may be empty)
   * @param sourceDocument the source, in front of messages (may be empty)
   */
  public static ImportRequest request(
      String importDocument,
      ImportRef ref,
      ImportSpec spec,
      String sourceDocument,
      SourceObject source,
      NamespacePolicy policy,
      Function<SecretRef, Map<String, String>> secrets) {
    policy.checkSource(importDocument, ref.namespace(), spec.sourceCluster());
    return new ImportRequest(ref, spec, sourceSpec(sourceDocument, source, policy, secrets));
  }

  private static String subdomain(ResourceField field) {
    String name = field.requiredString();
    Optional<String> problem = DnsNames.subdomainProblem(name);
    if (problem.isPresent()) {
      throw field.invalid("'" + name + "' is not a valid name: " + problem.get());
    }
    return name;
  }

  private static String label(ResourceField field) {
    String name = field.requiredString();
    Optional<String> problem = DnsNames.labelProblem(name);
    if (problem.isPresent()) {
      throw field.invalid("'" + name + "' is not a valid namespace: " + problem.get());
    }
    return name;
  }

  /** An enum field; {@code ""} means the default, as in upstream's CRD enums. */
  private static <E> Optional<E> enumValue(
      ResourceField field, BiFunction<String, String, E> parse) {
    Optional<String> value = field.nonEmptyString();
    if (value.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(parse.apply(value.get(), field.path()));
    } catch (VmImportException e) {
      // the api's message names the field and lists the accepted values
      throw new VmImportException(
          e.code(), ResourceField.prefix(field.document()) + e.getMessage(), e);
    }
  }

  private static void warnUnknown(
      ResourceField object, Set<String> known, Consumer<String> warnings) {
    for (String key : object.keys()) {
      if (!known.contains(key)) {
        warnings.accept(
            ResourceField.prefix(object.document())
                + "unknown field "
                + object.get(key).path()
                + "; known fields: "
                + new TreeSet<>(known));
      }
    }
  }
}
