package io.vmimport.operator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.operator.OperatorConfig;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.operator.crd.VirtualMachineImportSpec;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operator's imports go through the shared translation with the operator's own settings. */
class ImportSpecsTest {
  private static VirtualMachineImport importOf(String sourceNamespace) {
    VirtualMachineImport vmi = new VirtualMachineImport();
    vmi.setMetadata(
        new ObjectMetaBuilder().withName("web").withNamespace("team-a").withUid("uid-1").build());
    VirtualMachineImportSpec spec = new VirtualMachineImportSpec();
    spec.virtualMachineName = "web-01";
    spec.sourceCluster =
        new ObjectReferenceBuilder()
            .withApiVersion("migration.harvesterhci.io/v1beta1")
            .withKind("VmwareSource")
            .withName("vcenter")
            .withNamespace(sourceNamespace)
            .build();
    vmi.setSpec(spec);
    return vmi;
  }

  private static OperatorConfig config(Map<String, String> environment) {
    return OperatorConfig.fromEnvironment(environment);
  }

  @Test
  void aSourceInAnotherNamespaceIsInvalidNamingTheSetting() {
    OperatorConfig defaults = OperatorConfig.defaults(Path.of("/scratch"));

    assertThatThrownBy(() -> ImportSpecs.from(importOf("team-b"), defaults.namespacePolicy()))
        .isInstanceOfSatisfying(
            VmImportException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC))
        .hasMessage(
            "spec.sourceCluster.namespace: VmwareSource team-b/vcenter is in another namespace"
                + " than the import ('team-a'), refused by default so that an import cannot use"
                + " another namespace's source and its credentials; the operator's setting"
                + " allowCrossNamespaceSources (chart value of that name) allows it");
    assertThat(ImportSpecs.from(importOf("team-a"), defaults.namespacePolicy()).sourceCluster())
        .extracting(ref -> ref.namespace())
        .isEqualTo("team-a");
  }

  @Test
  void theSettingAllowsItButNeverOutsideTheWatchedNamespaces() {
    OperatorConfig allowing =
        config(
            Map.of(
                "VMIMPORT_LEADER_ELECTION", "false",
                "VMIMPORT_NAMESPACES", "team-a,team-b",
                "VMIMPORT_ALLOW_CROSS_NAMESPACE_SOURCES", "true"));

    assertThat(ImportSpecs.from(importOf("team-b"), allowing.namespacePolicy()).sourceCluster())
        .extracting(ref -> ref.namespace())
        .isEqualTo("team-b");
    assertThatThrownBy(() -> ImportSpecs.from(importOf("kube-system"), allowing.namespacePolicy()))
        .hasMessageStartingWith(
            "spec.sourceCluster.namespace: VmwareSource kube-system/vcenter is outside the watched"
                + " namespaces [team-a, team-b]");
  }

  @Test
  void theGuestConversionAnnotationReachesTheSpec() {
    VirtualMachineImport vmi = importOf("team-a");
    OperatorConfig defaults = OperatorConfig.defaults(Path.of("/scratch"));
    assertThat(ImportSpecs.from(vmi, defaults.namespacePolicy()).guestConversion()).isEmpty();

    vmi.getMetadata().setAnnotations(Map.of("vmimport.io/guest-conversion", "always"));

    assertThat(ImportSpecs.from(vmi, defaults.namespacePolicy()).guestConversion())
        .contains(io.vmimport.api.guest.GuestConversionPolicy.ALWAYS);
  }

  @Test
  void absurdNumbersAreInvalidNamingTheField() {
    VirtualMachineImport vmi = importOf("team-a");
    vmi.getSpec().gracefulShutdownTimeoutSeconds = 1_000_000_000L;

    assertThatThrownBy(
            () -> ImportSpecs.from(vmi, OperatorConfig.defaults(Path.of("/s")).namespacePolicy()))
        .hasMessageStartingWith(
            "spec.gracefulShutdownTimeoutSeconds: 1000000000 is out of range: expected 0 to 86400");
  }
}
