package io.vmimport.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.NetworkMapping;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceRef;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.cli.ResourceFile.ImportDocument;
import io.vmimport.resources.NamespacePolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

class ResourceFileTest {
  static final NamespacePolicy STRICT = ResourceOptions.policy(false, false);
  static final Path UPSTREAM_SAMPLES =
      Path.of("../../shared/crds/samples_migration.harvesterhci.io_from_README.yaml");

  static final String FULL =
      """
      apiVersion: v1
      kind: Secret
      metadata:
        name: vsphere-credentials
        namespace: prod
      type: Opaque
      data:
        username: YWRtaW5pc3RyYXRvckB2c3BoZXJlLmxvY2Fs   # administrator@vsphere.local
        password: czNjcjN0ITo=                           # s3cr3t!:
      stringData:
        caCert: |
          -----BEGIN CERTIFICATE-----
          MIIB
          -----END CERTIFICATE-----
      ---
      apiVersion: migration.harvesterhci.io/v1beta1
      kind: VmwareSource
      metadata:
        name: vcenter
        namespace: prod
      spec:
        endpoint: https://vcenter.example.com/sdk
        dc: /DC1
        credentials:
          name: vsphere-credentials
          namespace: prod
      ---
      apiVersion: migration.harvesterhci.io/v1beta1
      kind: VirtualMachineImport
      metadata:
        name: web-01
        namespace: prod
      spec:
        virtualMachineName: web-01
        folder: /apps/web
        sourceCluster:
          apiVersion: migration.harvesterhci.io/v1beta1
          kind: VmwareSource
          name: vcenter
          namespace: prod
        networkMapping:
        - sourceNetwork: VM Network
          destinationNetwork: prod/vlan10
          networkInterfaceModel: e1000e
        - sourceNetwork: backup
          destinationNetwork: vlan20
        defaultNetworkInterfaceModel: rtl8139
        storageClass: longhorn-ssd
        defaultDiskBusType: sata
        forcePowerOff: true
        gracefulShutdownTimeoutSeconds: 120
        skipPreflightChecks: true
      """;

  @Test
  void fullFileGivesEveryFieldOfTheSpecs() {
    ResourceFile file = ResourceFile.parse("resources.yaml", FULL);

    assertThat(file.warnings()).isEmpty();
    assertThat(file.imports()).hasSize(1);
    ImportRequest request = file.request(file.imports().get(0), STRICT);

    assertThat(request.ref().toString()).isEqualTo("prod/web-01");
    assertThat(request.spec())
        .isEqualTo(
            new ImportSpec(
                new SourceRef(
                    "migration.harvesterhci.io/v1beta1", "VmwareSource", "vcenter", "prod"),
                "web-01",
                Optional.of("/apps/web"),
                List.of(
                    new NetworkMapping("VM Network", "prod/vlan10", Optional.of(NicModel.E1000E)),
                    new NetworkMapping("backup", "vlan20", Optional.empty())),
                NicModel.RTL8139,
                Optional.of("longhorn-ssd"),
                DiskBus.SATA,
                true,
                Duration.ofSeconds(120),
                true,
                Map.of(),
                Optional.empty()));
    assertThat(request.source())
        .isEqualTo(
            new SourceSpec(
                "vmware",
                "prod",
                "vcenter",
                Map.of("endpoint", "https://vcenter.example.com/sdk", "dc", "/DC1"),
                new Credentials(
                    "prod/vsphere-credentials",
                    Map.of(
                        "username",
                        "administrator@vsphere.local",
                        "password",
                        "s3cr3t!:",
                        "caCert",
                        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))));
  }

  @Test
  void absentFieldsTakeUpstreamDefaults() {
    ResourceFile file =
        ResourceFile.parse(
            "r.yaml",
            """
            apiVersion: migration.harvesterhci.io/v1beta1
            kind: OvaSource
            metadata: {name: appliance}
            spec:
              url: https://example.com/appliance.ova
              httpTimeoutSeconds: 0
            ---
            apiVersion: migration.harvesterhci.io/v1beta1
            kind: VirtualMachineImport
            metadata: {name: appliance}
            spec:
              virtualMachineName: appliance
              defaultNetworkInterfaceModel: ""
              storageClass: ""
              sourceCluster: {apiVersion: migration.harvesterhci.io/v1beta1, kind: ovasource, name: appliance}
            """);

    ImportRequest request = file.request(file.imports().get(0), STRICT);

    assertThat(request.ref().toString()).isEqualTo("default/appliance");
    assertThat(request.spec())
        .isEqualTo(
            ImportSpec.builder(
                    new SourceRef(
                        "migration.harvesterhci.io/v1beta1", "ovasource", "appliance", "default"),
                    "appliance")
                .build());
    assertThat(request.spec().defaultDiskBusType()).isEqualTo(DiskBus.VIRTIO);
    assertThat(request.spec().gracefulShutdownTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(request.source())
        .isEqualTo(
            new SourceSpec(
                "ova",
                "default",
                "appliance",
                Map.of("url", "https://example.com/appliance.ova", "httpTimeoutSeconds", "0"),
                Credentials.NONE));
  }

  @Test
  void numbersOfASourceBecomeDecimalStringsAndThirdPartyKindsAreAccepted() {
    ResourceFile file =
        ResourceFile.parse(
            "r.yaml",
            """
            apiVersion: migration.harvesterhci.io/v1beta1
            kind: OpenstackSource
            metadata: {name: devstack, namespace: lab}
            spec: {endpoint: "https://keystone/v3", region: RegionOne, uploadImageRetryCount: 5, uploadImageRetryDelay: 10}
            ---
            apiVersion: migration.harvesterhci.io/v1beta1
            kind: DirectorySource
            metadata: {name: files}
            spec: {path: /srv/vms, verbose: true}
            """);

    assertThat(file.sources()).hasSize(2);
    assertThat(file.sources().get(0).providerKind()).isEqualTo("openstack");
    assertThat(file.sources().get(0).settings())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "endpoint", "https://keystone/v3",
                "region", "RegionOne",
                "uploadImageRetryCount", "5",
                "uploadImageRetryDelay", "10"));
    assertThat(file.sources().get(1).providerKind()).isEqualTo("directory");
    assertThat(file.sources().get(1).settings())
        .isEqualTo(Map.of("path", "/srv/vms", "verbose", "true"));
  }

  @Test
  void upstreamSamplesParseAndTheirMissingSecretsAreReportedWhenResolved() throws Exception {
    assumeTrue(
        Files.isRegularFile(UPSTREAM_SAMPLES),
        "upstream samples not found at " + UPSTREAM_SAMPLES.toAbsolutePath());

    ResourceFile file = ResourceFile.read(UPSTREAM_SAMPLES);

    assertThat(file.sources())
        .extracting(s -> s.id().toString())
        .containsExactly("VmwareSource default/vcsim", "OpenstackSource default/devstack");
    assertThat(file.imports())
        .extracting(doc -> doc.ref().toString())
        .containsExactly("default/alpine-export-test", "default/openstack-demo");
    ImportDocument alpine = file.imports().get(0);
    assertThat(alpine.spec().networkMapping())
        .containsExactly(
            new NetworkMapping("dvSwitch 1", "default/vlan1"),
            new NetworkMapping("dvSwitch 2", "default/vlan2"));
    assertThat(file.sourceOf(alpine).settings())
        .isEqualTo(Map.of("endpoint", "https://vscim/sdk", "dc", "DCO"));
    assertThatThrownBy(() -> file.request(alpine, STRICT))
        .isInstanceOf(VmImportException.class)
        .hasMessage(
            UPSTREAM_SAMPLES
                + ": VmwareSource default/vcsim: spec.credentials: Secret"
                + " default/vsphere-credentials is not in "
                + UPSTREAM_SAMPLES
                + "; add it as a document (apiVersion: v1, kind: Secret)");
  }

  @Test
  void aSecretOfAnotherNamespaceNeedsExplicitConsent() {
    String yaml =
        FULL.replace(
                "  name: vsphere-credentials\n  namespace: prod\ntype",
                "  name: vsphere-credentials\n  namespace: shared\ntype")
            .replace(
                "    name: vsphere-credentials\n    namespace: prod",
                "    name: vsphere-credentials\n    namespace: shared");
    ResourceFile file = ResourceFile.parse("resources.yaml", yaml);

    assertThatThrownBy(() -> file.request(file.imports().get(0), STRICT))
        .hasMessageStartingWith(
            "resources.yaml: VmwareSource prod/vcenter: spec.credentials.namespace: Secret"
                + " shared/vsphere-credentials is in another namespace")
        .hasMessageContaining("--allow-cross-namespace-secrets");
    assertThat(
            file.request(file.imports().get(0), ResourceOptions.policy(false, true))
                .source()
                .credentials()
                .secretName())
        .isEqualTo("shared/vsphere-credentials");
  }

  @Test
  void unknownFieldsAreIgnoredWithAWarningWhenAsked() {
    ResourceFile file =
        ResourceFile.parse(
            "r.yaml", FULL.replace("forcePowerOff: true", "forcePoweroff: true"), false);

    assertThat(file.imports().get(0).spec().forcePowerOff()).isFalse();
    assertThat(file.warnings())
        .singleElement(InstanceOfAssertFactories.STRING)
        .startsWith("r.yaml: VirtualMachineImport prod/web-01: unknown field spec.forcePoweroff")
        .endsWith("(ignored)");
  }

  @Test
  void unknownFieldsAreErrorsByDefault() {
    assertBad(
        FULL.replace("forcePowerOff: true", "forcePoweroff: true"),
        "resources.yaml: VirtualMachineImport prod/web-01: unknown field spec.forcePoweroff; known"
            + " fields: [defaultDiskBusType, defaultNetworkInterfaceModel, folder, forcePowerOff,"
            + " gracefulShutdownTimeoutSeconds, networkMapping, skipPreflightChecks, sourceCluster,"
            + " storageClass, virtualMachineName] (--validate=warn ignores unknown fields with a"
            + " warning)");
  }

  @Test
  void importsAreSelectedByNameOrNamespaceAndName() {
    ResourceFile file = ResourceFile.parse("r.yaml", FULL);

    assertThat(file.select(Optional.of("web-01"))).hasSize(1);
    assertThat(file.select(Optional.of("prod/web-01"))).hasSize(1);
    assertThatThrownBy(() -> file.select(Optional.of("web-02")))
        .hasMessage("r.yaml: no VirtualMachineImport named 'web-02'; the file has [prod/web-01]");
  }

  @Test
  void badInputNamesTheDocumentAndTheField() {
    assertBad(
        FULL.replace("defaultDiskBusType: sata", "defaultDiskBusType: ide"),
        "resources.yaml: VirtualMachineImport prod/web-01: spec.defaultDiskBusType: 'ide' is not"
            + " one of [virtio, sata, scsi, usb]");
    assertBad(
        FULL.replace("networkInterfaceModel: e1000e", "networkInterfaceModel: vmxnet3"),
        "resources.yaml: VirtualMachineImport prod/web-01:"
            + " spec.networkMapping[0].networkInterfaceModel: 'vmxnet3' is not one of [e1000,"
            + " e1000e, ne2k_pci, pcnet, rtl8139, virtio]");
    assertBad(
        FULL.replace("forcePowerOff: true", "forcePowerOff: \"yes\""),
        "resources.yaml: VirtualMachineImport prod/web-01: spec.forcePowerOff: expected a boolean"
            + " (true or false), got string 'yes'");
    assertBad(
        FULL.replace("gracefulShutdownTimeoutSeconds: 120", "gracefulShutdownTimeoutSeconds: 1m"),
        "resources.yaml: VirtualMachineImport prod/web-01: spec.gracefulShutdownTimeoutSeconds:"
            + " expected an integer, got string '1m'");
    assertBad(
        FULL.replace("virtualMachineName: web-01", "virtualMachineName: 42"),
        "resources.yaml: VirtualMachineImport prod/web-01: spec.virtualMachineName: expected a"
            + " string, got number 42");
    assertBad(
        FULL.replace("  virtualMachineName: web-01\n", ""),
        "resources.yaml: VirtualMachineImport prod/web-01: spec.virtualMachineName: is required");
    assertBad(
        FULL.replace("password: czNjcjN0ITo=", "password: not*base64"),
        "resources.yaml: Secret prod/vsphere-credentials: data.password: not valid base64");
    assertBad(
        FULL + "---\napiVersion: example.com/v1\nkind: Foo\nmetadata: {name: x}\n",
        "resources.yaml: unknown kind 'Foo' in document 4; expected Secret, VirtualMachineImport"
            + " or a *Source kind");
    assertBad(
        FULL.replace("kind: VmwareSource\nmetadata", "kind: VmwareSource\nmetadata:\n  x: 1\nm"),
        "resources.yaml: document 2 (VmwareSource): metadata.name: is required");
    assertBad(
        FULL
            + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: vsphere-credentials, namespace: prod}\n",
        "resources.yaml: Secret prod/vsphere-credentials appears twice (documents 1 and 4)");
    assertBad(
        "apiVersion: migration.harvesterhci.io/v1beta1\nkind: VirtualMachineImport\n"
            + "metadata: {name: x}\nspec: [1]\n",
        "resources.yaml: VirtualMachineImport default/x: spec: expected a mapping, got a list");
    assertBad(
        FULL.replace(
            "apiVersion: migration.harvesterhci.io/v1beta1\nkind: VmwareSource",
            "apiVersion: migration.harvesterhci.io/v1\nkind: VmwareSource"),
        "resources.yaml: document 2: apiVersion: 'migration.harvesterhci.io/v1' is wrong;"
            + " VmwareSource is migration.harvesterhci.io/v1beta1");
    assertBad(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n---\nkind: [\n",
        "resources.yaml: malformed YAML in document 2 at line");
    assertBad("- 1\n- 2\n", "resources.yaml: document 1 is not a mapping");
    assertBad(
        "kind: Secret\napiVersion: v1\nkind: Secret\n",
        "resources.yaml: malformed YAML in document 1 at line 3, column 5: Duplicate field 'kind'");
  }

  @Test
  void yamlAliasesAreRefusedWithWhereTheyAre() {
    String yaml =
        FULL.replace("metadata:\n  name: web-01", "metadata:\n  name: &vmname web-01")
            .replace("  virtualMachineName: web-01", "  virtualMachineName: *vmname");

    assertBad(
        yaml,
        "resources.yaml: YAML alias '*vmname' at line 34, column 23 is not supported; write the"
            + " value out instead");
  }

  @Test
  void namesTheApiServerWouldRejectAreBadInput() {
    assertBad(
        FULL.replace("  name: web-01\n  namespace: prod", "  name: Web_01\n  namespace: prod"),
        "resources.yaml: document 3 (VirtualMachineImport): metadata.name: 'Web_01' is not a valid"
            + " name: a DNS-1123 subdomain must consist of lower case alphanumeric characters");
    assertBad(
        FULL.replace(
            "    name: vcenter\n    namespace: prod", "    name: vcenter\n    namespace: Prod"),
        "resources.yaml: VirtualMachineImport prod/web-01: spec.sourceCluster.namespace: 'Prod' is"
            + " not a valid namespace");
  }

  @Test
  void anAbsurdShutdownTimeoutIsBadInput() {
    assertBad(
        FULL.replace(
            "gracefulShutdownTimeoutSeconds: 120", "gracefulShutdownTimeoutSeconds: 1000000000"),
        "resources.yaml: VirtualMachineImport prod/web-01: spec.gracefulShutdownTimeoutSeconds:"
            + " 1000000000 is out of range: expected 0 to 86400 seconds");
  }

  @Test
  void aSourceOfAnotherNamespaceNeedsExplicitConsent() {
    String yaml =
        FULL.replace("  name: vcenter\n  namespace: prod", "  name: vcenter\n  namespace: shared")
            .replace(
                "    name: vcenter\n    namespace: prod",
                "    name: vcenter\n    namespace: shared")
            .replace(
                "    name: vsphere-credentials\n    namespace: prod",
                "    name: vsphere-credentials\n    namespace: shared")
            .replace(
                "  name: vsphere-credentials\n  namespace: prod\ntype",
                "  name: vsphere-credentials\n  namespace: shared\ntype");
    ResourceFile file = ResourceFile.parse("resources.yaml", yaml);

    assertThatThrownBy(() -> file.request(file.imports().get(0), STRICT))
        .hasMessage(
            "resources.yaml: VirtualMachineImport prod/web-01: spec.sourceCluster.namespace:"
                + " VmwareSource shared/vcenter is in another namespace than the import ('prod'),"
                + " refused by default so that an import cannot use another namespace's source and"
                + " its credentials; pass --allow-cross-namespace-sources to allow it");
    assertThat(file.request(file.imports().get(0), ResourceOptions.policy(true, false)).source())
        .extracting(source -> source.namespace() + "/" + source.name())
        .isEqualTo("shared/vcenter");
  }

  private static void assertBad(String yaml, String messageStart) {
    assertThatThrownBy(() -> ResourceFile.parse("resources.yaml", yaml))
        .isInstanceOfSatisfying(
            VmImportException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC))
        .hasMessageStartingWith(messageStart)
        .hasMessageNotContaining("\n");
  }
}
