package io.vmimport.operator.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.resources.MigrationResources;
import io.vmimport.resources.NamespacePolicy;
import io.vmimport.resources.ObjectId;
import io.vmimport.resources.ResourceField;
import io.vmimport.resources.SourceObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a source object and its credentials Secret into the engine's neutral source, through the
 * translation the {@code vmimport} command uses too ({@link MigrationResources}).
 */
public final class SourceResolver {
  private static final Logger log = LoggerFactory.getLogger(SourceResolver.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads a Secret; null when it does not exist. */
  public interface Secrets {
    Secret read(String namespace, String name);
  }

  private final Secrets secrets;
  private final NamespacePolicy policy;

  public SourceResolver(KubernetesClient client, NamespacePolicy policy) {
    this((namespace, name) -> client.secrets().inNamespace(namespace).withName(name).get(), policy);
  }

  /** Reads credentials with {@code secrets}: a disk worker has them in a file. */
  public SourceResolver(Secrets secrets, NamespacePolicy policy) {
    this.secrets = requireNonNull(secrets, "secrets is null");
    this.policy = requireNonNull(policy, "policy is null");
  }

  /** The operator's namespace rules, for imports and sources alike. */
  public NamespacePolicy policy() {
    return policy;
  }

  /**
   * The Secret a source refers to, as {@code namespace/name}; null when it names none. Lenient: it
   * maps Secret events to sources, where a wrong name is reported by the source's check instead.
   */
  static String secretOf(HasMetadata source) {
    JsonNode credentials = JSON.valueToTree(source).path("spec").path("credentials");
    String name = credentials.path("name").asText("");
    if (name.isEmpty()) {
      return null;
    }
    String namespace = credentials.path("namespace").asText("");
    return (namespace.isEmpty() ? source.getMetadata().getNamespace() : namespace) + "/" + name;
  }

  /**
   * @throws VmImportException {@code INVALID_SPEC} naming what to fix: a Secret in another
   *     namespace (unless allowed), a missing Secret (retryable: it may be created later)
   */
  public SourceSpec resolve(HasMetadata source) {
    ObjectId id =
        new ObjectId(
            source.getKind(), source.getMetadata().getNamespace(), source.getMetadata().getName());
    String document = id.toString();
    SourceObject object =
        MigrationResources.source(
            id,
            ResourceField.root(document, JSON.valueToTree(source)).get("spec"),
            warning -> log.warn("{}", warning));
    SourceSpec spec =
        MigrationResources.sourceSpec(
            document,
            object,
            policy,
            ref -> {
              Secret secret = secrets.read(ref.namespace(), ref.name());
              if (secret == null) {
                throw new VmImportException(
                    ErrorCode.INVALID_SPEC,
                    document + ": spec.credentials: Secret " + ref + " does not exist",
                    null,
                    true);
              }
              return MigrationResources.secretData(
                  ResourceField.root("Secret " + ref, JSON.valueToTree(secret)));
            });
    refuseLocalFiles(document, spec);
    return spec;
  }

  /**
   * A source may not point the operator at its own file system: a {@code file://} URL (an
   * OvaSource's {@code spec.url}, or any other setting) would let whoever may create a source read
   * the files of the operator's pod. The command line and the SDK read local files; the operator
   * does not.
   */
  private static void refuseLocalFiles(String document, SourceSpec spec) {
    spec.settings()
        .forEach(
            (field, value) -> {
              if (value.strip().regionMatches(true, 0, "file:", 0, "file:".length())) {
                throw new VmImportException(
                    ErrorCode.INVALID_SPEC,
                    document
                        + ": spec."
                        + field
                        + ": the operator does not read local files ("
                        + value.strip()
                        + "); serve the file over https, or import it with the vmimport command");
              }
            });
  }
}
