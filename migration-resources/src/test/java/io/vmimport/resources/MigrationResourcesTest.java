package io.vmimport.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.SourceRef;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class MigrationResourcesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DOC = "r.yaml: VirtualMachineImport prod/web";
  private static final NamespacePolicy STRICT =
      new NamespacePolicy(false, false, Set.of(), "SOURCES-SWITCH allows it", "SECRETS-SWITCH");

  private final List<String> warnings = new ArrayList<>();

  private static ObjectNode importObject() {
    ObjectNode root = JSON.createObjectNode();
    root.put("apiVersion", MigrationResources.API_VERSION).put("kind", MigrationResources.IMPORT);
    root.putObject("metadata").put("name", "web").put("namespace", "prod");
    ObjectNode spec = root.putObject("spec");
    spec.put("virtualMachineName", "Web Server");
    spec.putObject("sourceCluster")
        .put("apiVersion", MigrationResources.API_VERSION)
        .put("kind", "VmwareSource")
        .put("name", "vcenter");
    return root;
  }

  private ImportSpec importSpec(JsonNode object) {
    return MigrationResources.importSpec(
        ResourceField.root(DOC, object).get("spec"), "prod", warnings::add);
  }

  private static ObjectNode spec(ObjectNode object) {
    return (ObjectNode) object.get("spec");
  }

  private static void assertInvalid(ThrowingCallable call, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            VmImportException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC))
        .hasMessageStartingWith(message);
  }

  @Test
  void anImportReadsWithItsSourceInItsOwnNamespaceByDefault() {
    ImportSpec spec = importSpec(importObject());

    assertThat(spec.sourceCluster())
        .isEqualTo(
            new SourceRef(MigrationResources.API_VERSION, "VmwareSource", "vcenter", "prod"));
    assertThat(spec.virtualMachineName()).isEqualTo("Web Server");
    assertThat(spec.gracefulShutdownTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(warnings).isEmpty();
  }

  @Test
  void namesTheApiServerWouldRejectAreErrors() {
    ObjectNode object = importObject();
    ((ObjectNode) object.get("metadata")).put("name", "Web_01");
    assertInvalid(
        () ->
            MigrationResources.identify(
                ResourceField.root("r.yaml: document 3 (VirtualMachineImport)", object),
                MigrationResources.IMPORT,
                "default"),
        "r.yaml: document 3 (VirtualMachineImport): metadata.name: 'Web_01' is not a valid name:"
            + " a DNS-1123 subdomain");

    ObjectNode longNamespace = importObject();
    ((ObjectNode) longNamespace.get("metadata")).put("namespace", "n".repeat(64));
    assertInvalid(
        () ->
            MigrationResources.identify(
                ResourceField.root("d", longNamespace), MigrationResources.IMPORT, "default"),
        "d: metadata.namespace: '"
            + "n".repeat(64)
            + "' is not a valid namespace: must be no"
            + " more than 63 characters");

    ObjectNode badReference = importObject();
    ((ObjectNode) spec(badReference).get("sourceCluster")).put("name", "vCenter");
    assertInvalid(
        () -> importSpec(badReference),
        DOC + ": spec.sourceCluster.name: 'vCenter' is not a valid name");

    ObjectNode badClass = importObject();
    spec(badClass).put("storageClass", "Fast SSD");
    assertInvalid(() -> importSpec(badClass), DOC + ": spec.storageClass: 'Fast SSD' is not");

    ObjectNode dotted = importObject();
    ((ObjectNode) dotted.get("metadata")).put("name", "web.prod");
    assertThat(
            MigrationResources.identify(
                ResourceField.root("d", dotted), MigrationResources.IMPORT, "default"))
        .isEqualTo(new ObjectId(MigrationResources.IMPORT, "prod", "web.prod"));
  }

  @Test
  void theGuestConversionAnnotationSetsTheImportsPolicyAndABadValueNamesIt() {
    ObjectNode object = importObject();
    ResourceField metadata = ResourceField.root(DOC, object).get("metadata");
    assertThat(MigrationResources.withAnnotations(importSpec(object), metadata).guestConversion())
        .as("no annotation: the engine's setting")
        .isEmpty();

    ((ObjectNode) object.get("metadata"))
        .putObject("annotations")
        .put(MigrationResources.GUEST_CONVERSION_ANNOTATION, "never");
    metadata = ResourceField.root(DOC, object).get("metadata");
    assertThat(MigrationResources.withAnnotations(importSpec(object), metadata).guestConversion())
        .contains(io.vmimport.api.guest.GuestConversionPolicy.NEVER);

    ((ObjectNode) object.get("metadata").get("annotations"))
        .put(MigrationResources.GUEST_CONVERSION_ANNOTATION, "sometimes");
    ResourceField bad = ResourceField.root(DOC, object).get("metadata");
    assertInvalid(
        () -> MigrationResources.withAnnotations(importSpec(object), bad),
        "r.yaml: VirtualMachineImport prod/web: metadata.annotations.vmimport.io/guest-conversion:"
            + " 'sometimes' is not one of [auto, always, never]");
  }

  @Test
  void absurdShutdownTimeoutsAreRefusedNamingTheField() {
    ObjectNode huge = importObject();
    spec(huge).put("gracefulShutdownTimeoutSeconds", 1_000_000_000L);
    assertInvalid(
        () -> importSpec(huge),
        DOC
            + ": spec.gracefulShutdownTimeoutSeconds: 1000000000 is out of range: expected 0 to"
            + " 86400 seconds");

    ObjectNode negative = importObject();
    spec(negative).put("gracefulShutdownTimeoutSeconds", -1);
    assertInvalid(
        () -> importSpec(negative), DOC + ": spec.gracefulShutdownTimeoutSeconds: -1 is out");

    ObjectNode zero = importObject();
    spec(zero).put("gracefulShutdownTimeoutSeconds", 0);
    assertThat(importSpec(zero).gracefulShutdownTimeout()).isEqualTo(Duration.ofSeconds(60));

    ObjectNode day = importObject();
    spec(day).put("gracefulShutdownTimeoutSeconds", 86_400);
    assertThat(importSpec(day).gracefulShutdownTimeout()).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void numericSourceFieldsAreCheckedWhereTheyAreRead() {
    ObjectId id = new ObjectId("OvaSource", "prod", "appliance");
    ObjectNode spec = JSON.createObjectNode().put("url", "https://x/a.ova");
    spec.put("httpTimeoutSeconds", -5);
    assertInvalid(
        () ->
            MigrationResources.source(
                id, new ResourceField("OvaSource prod/appliance", "spec", spec), warnings::add),
        "OvaSource prod/appliance: spec.httpTimeoutSeconds: -5 is out of range");

    ObjectNode retries = JSON.createObjectNode().put("uploadImageRetryCount", -1);
    // upstream's meaning of zero or less (the default) is kept
    assertThat(
            MigrationResources.source(
                    new ObjectId("OpenstackSource", "prod", "os"),
                    new ResourceField("d", "spec", retries),
                    warnings::add)
                .settings())
        .containsEntry("uploadImageRetryCount", "-1");
  }

  @Test
  void aSourceInAnotherNamespaceNeedsTheSwitch() {
    ObjectNode object = importObject();
    ((ObjectNode) spec(object).get("sourceCluster")).put("namespace", "team-b");
    ImportSpec spec = importSpec(object);

    assertInvalid(
        () -> STRICT.checkSource(DOC, "prod", spec.sourceCluster()),
        DOC
            + ": spec.sourceCluster.namespace: VmwareSource team-b/vcenter is in another namespace"
            + " than the import ('prod')");
    assertThatThrownBy(() -> STRICT.checkSource(DOC, "prod", spec.sourceCluster()))
        .hasMessageEndingWith("SOURCES-SWITCH allows it");
    new NamespacePolicy(true, false, Set.of(), "", "")
        .checkSource(DOC, "prod", spec.sourceCluster());
  }

  @Test
  void aSourceOutsideTheWatchedNamespacesIsRefusedEvenWhenCrossNamespaceIsAllowed() {
    NamespacePolicy watching = new NamespacePolicy(true, true, Set.of("prod", "team-a"), "", "");
    SourceRef outside =
        new SourceRef(MigrationResources.API_VERSION, "VmwareSource", "vcenter", "kube-system");

    assertInvalid(
        () -> watching.checkSource("", "prod", outside),
        "spec.sourceCluster.namespace: VmwareSource kube-system/vcenter is outside the watched"
            + " namespaces [prod, team-a]");
    watching.checkSource(
        "", "prod", new SourceRef(MigrationResources.API_VERSION, "VmwareSource", "v", "team-a"));
  }

  @Test
  void secretsDecodeWithLineBreaksAndStringDataWins() {
    String encoded = Base64.getEncoder().encodeToString("a longer password".getBytes());
    ObjectNode secret = JSON.createObjectNode();
    secret
        .putObject("data")
        .put("password", encoded.substring(0, 8) + "\n" + encoded.substring(8))
        .put("username", Base64.getEncoder().encodeToString("from-data".getBytes()));
    secret.putObject("stringData").put("username", "from-stringData");

    assertThat(MigrationResources.secretData(ResourceField.root("Secret prod/s", secret)))
        .isEqualTo(Map.of("password", "a longer password", "username", "from-stringData"));
  }

  @Test
  void secretsThatAreNotBase64OrNotUtf8AreRefused() {
    ObjectNode notBase64 = JSON.createObjectNode();
    notBase64.putObject("data").put("password", "not*base64");
    assertInvalid(
        () -> MigrationResources.secretData(ResourceField.root("Secret prod/s", notBase64)),
        "Secret prod/s: data.password: not valid base64");

    ObjectNode latin1 = JSON.createObjectNode();
    latin1
        .putObject("data")
        .put(
            "password",
            Base64.getEncoder().encodeToString("pässword".getBytes(StandardCharsets.ISO_8859_1)));
    assertInvalid(
        () -> MigrationResources.secretData(ResourceField.root("Secret prod/s", latin1)),
        "Secret prod/s: data.password: decodes to bytes that are not UTF-8 text");
  }

  @Test
  void aSecretOfAnotherNamespaceNeedsTheSwitchAndResolvesWithIt() {
    ObjectId id = new ObjectId("VmwareSource", "prod", "vcenter");
    ObjectNode spec = JSON.createObjectNode().put("endpoint", "https://vc/sdk").put("dc", "DC1");
    spec.putObject("credentials").put("name", "creds").put("namespace", "shared");
    SourceObject source =
        MigrationResources.source(id, new ResourceField("S", "spec", spec), warnings::add);

    assertInvalid(
        () -> MigrationResources.sourceSpec("S", source, STRICT, ref -> Map.of()),
        "S: spec.credentials.namespace: Secret shared/creds is in another namespace than the"
            + " source ('prod')");
    NamespacePolicy allowing = new NamespacePolicy(false, true, Set.of(), "", "");
    ImportRequest request =
        MigrationResources.request(
            "",
            new ImportRef("prod", "web", "uid-1"),
            importSpec(importObject()),
            "S",
            source,
            allowing,
            ref -> Map.of("username", ref.toString()));

    assertThat(request.source().kind()).isEqualTo("vmware");
    assertThat(request.source().settings())
        .isEqualTo(Map.of("endpoint", "https://vc/sdk", "dc", "DC1"));
    assertThat(request.source().credentials().get("username")).contains("shared/creds");
  }

  @Test
  void messagesOfAnUnnamedDocumentStartWithTheField() {
    ObjectNode object = importObject();
    spec(object).put("forcePowerOff", "yes");

    assertInvalid(
        () ->
            MigrationResources.importSpec(
                ResourceField.root("", object).get("spec"), "prod", warnings::add),
        "spec.forcePowerOff: expected a boolean (true or false), got string 'yes'");
  }

  @Test
  void theProviderKindComesFromTheSourceKind() {
    assertThat(MigrationResources.providerKind("VmwareSource")).isEqualTo("vmware");
    assertThat(MigrationResources.providerKind("openstacksource")).isEqualTo("openstack");
    assertThat(MigrationResources.providerKind("ova")).isEqualTo("ova");
    assertThat(MigrationResources.isSourceKind("DirectorySource")).isTrue();
    assertThat(MigrationResources.isSourceKind("Source")).isFalse();
  }
}
