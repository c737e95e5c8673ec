package io.vmimport.operator.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.core.ProviderRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** Turns a source object and its credentials Secret into the engine's neutral source. */
public final class SourceResolver {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final boolean allowCrossNamespaceSecrets;

  public SourceResolver(KubernetesClient client, boolean allowCrossNamespaceSecrets) {
    this.client = client;
    this.allowCrossNamespaceSecrets = allowCrossNamespaceSecrets;
  }

  /** The Secret a source refers to, as {@code namespace/name}; null when it names none. */
  static String secretOf(CustomResource<?, ?> source) {
    JsonNode credentials = JSON.valueToTree(source.getSpec()).path("credentials");
    String name = credentials.path("name").asText("");
    if (name.isEmpty()) {
      return null;
    }
    String namespace = credentials.path("namespace").asText("");
    return (namespace.isEmpty() ? source.getMetadata().getNamespace() : namespace) + "/" + name;
  }

  /**
   * @throws VmImportException {@code INVALID_SPEC} naming what to fix: a Secret in another
   *     namespace (unless allowed), a missing Secret
   */
  public SourceSpec resolve(CustomResource<?, ?> source) {
    String namespace = source.getMetadata().getNamespace();
    String name = source.getMetadata().getName();
    String what = source.getKind() + " " + namespace + "/" + name;
    JsonNode spec = JSON.valueToTree(source.getSpec());
    Map<String, String> settings = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = spec.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (!field.getKey().equals("credentials") && field.getValue().isValueNode()) {
        settings.put(field.getKey(), field.getValue().asText());
      }
    }
    Credentials credentials = Credentials.NONE;
    String secretRef = secretOf(source);
    if (secretRef != null) {
      String secretNamespace = secretRef.substring(0, secretRef.indexOf('/'));
      String secretName = secretRef.substring(secretRef.indexOf('/') + 1);
      if (!secretNamespace.equals(namespace) && !allowCrossNamespaceSecrets) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            what
                + ": spec.credentials.namespace: Secret "
                + secretRef
                + " is in another namespace than the source; refused so that a source cannot"
                + " borrow another namespace's credentials (the operator's"
                + " allowCrossNamespaceSecrets setting allows it)");
      }
      Secret secret = client.secrets().inNamespace(secretNamespace).withName(secretName).get();
      if (secret == null) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            what + ": spec.credentials: Secret " + secretRef + " does not exist",
            null,
            true);
      }
      credentials = new Credentials(secretRef, data(secret));
    }
    return new SourceSpec(
        ProviderRegistry.providerKind(source.getKind()), namespace, name, settings, credentials);
  }

  private static Map<String, String> data(Secret secret) {
    Map<String, String> data = new HashMap<>();
    if (secret.getData() != null) {
      Base64.Decoder decoder = Base64.getMimeDecoder();
      secret
          .getData()
          .forEach(
              (key, value) ->
                  data.put(key, new String(decoder.decode(value), StandardCharsets.UTF_8)));
    }
    if (secret.getStringData() != null) {
      data.putAll(secret.getStringData());
    }
    return data;
  }
}
