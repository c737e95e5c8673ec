package io.vmimport.target.harvester;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * The real CRDs of ../shared/crds: loaded into the mock API server and used as JSON schemas. Public
 * for the operator's tests (this module's test-jar).
 */
public final class Crds {
  static final Path DIR = Path.of("..", "..", "shared", "crds");
  public static final String VIRTUAL_MACHINES = "kubevirt.io_virtualmachines.v1.8.3.yaml";
  public static final String IMAGES = "harvesterhci.io_virtualmachineimages.yaml";
  public static final String NADS = "k8s.cni.cncf.io_network-attachment-definitions.yaml";
  public static final String IMPORTS =
      "migration.harvesterhci.io_virtualmachineimports.DERIVED.yaml";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();

  private Crds() {}

  public static void assumePresent() {
    Assumptions.assumeTrue(
        Files.isDirectory(DIR),
        "skipped: needs the real CRD schemas (KubeVirt, Harvester, CDI, Multus, migration) in "
            + DIR.toAbsolutePath().normalize()
            + ", the team's shared folder beside the clone; see the README, 'Tests that need"
            + " ../shared'");
  }

  public static CustomResourceDefinition load(String file) {
    assumePresent();
    try {
      return SERIALIZATION.unmarshal(
          Files.newInputStream(DIR.resolve(file)), CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Creates the CRDs of {@code files} in the (mock) API server. On a loaded machine the answer to
   * the POST of a large CRD can come after the client's timeout; the client's retry then finds the
   * CRD its first request made, which is why an existing one is replaced rather than an error.
   */
  public static void createIn(KubernetesClient client, String... files) {
    for (String file : files) {
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .resource(load(file))
          .createOr(NonDeletingOperation::update);
    }
  }

  /** Asserts {@code object} (any fabric8 object or map) is valid for the CRD in {@code file}. */
  public static void assertValid(String file, Object object) {
    JsonSchema schema = SCHEMAS.computeIfAbsent(file, Crds::schema);
    JsonNode instance = readTree(SERIALIZATION.asJson(object));
    Set<ValidationMessage> errors = schema.validate(instance);
    assertThat(errors).as("violations of %s by %s", file, instance).isEmpty();
  }

  public static Set<ValidationMessage> violations(String file, JsonNode instance) {
    return SCHEMAS.computeIfAbsent(file, Crds::schema).validate(instance);
  }

  private static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonSchema schema(String file) {
    assumePresent();
    try {
      JsonNode crd = YAML.readTree(DIR.resolve(file).toFile());
      JsonNode schema = null;
      for (JsonNode version : crd.path("spec").path("versions")) {
        if (version.path("storage").asBoolean()) {
          schema = version.path("schema").path("openAPIV3Schema");
        }
      }
      assertThat(schema).as("openAPIV3Schema of the storage version in %s", file).isNotNull();
      ObjectNode strict = schema.deepCopy();
      // every object carries these, whether or not a CRD's schema spells them out
      ObjectNode root = strict.with("properties");
      root.putIfAbsent("apiVersion", JSON.createObjectNode().put("type", "string"));
      root.putIfAbsent("kind", JSON.createObjectNode().put("type", "string"));
      root.putIfAbsent("metadata", JSON.createObjectNode().put("type", "object"));
      closeObjects(strict);
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(strict);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The API server silently prunes fields a structural schema does not declare; a pruned field is a
   * setting the user loses. Closing every declared object turns that into a validation error.
   */
  private static void closeObjects(JsonNode node) {
    if (node instanceof ObjectNode object) {
      if (object.has("properties")
          && !object.has("additionalProperties")
          && !object.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
        object.set("additionalProperties", BooleanNode.FALSE);
      }
      for (Iterator<JsonNode> it = object.elements(); it.hasNext(); ) {
        closeObjects(it.next());
      }
    } else if (node != null && node.isArray()) {
      node.forEach(Crds::closeObjects);
    }
  }
}
