package io.vmimport.operator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmimport.core.ProviderRegistry;
import io.vmimport.examples.directory.DirectorySourceProvider;
import io.vmimport.operator.crd.OvaSource;
import io.vmimport.operator.crd.VmwareSource;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CRD a provider plugin ships, and the kinds the operator serves with it. */
class SourceKindsTest {
  private static final String SHIPPED = SourceKinds.CRD_RESOURCES + "directory.yaml";

  @TempDir Path dir;

  @Test
  void theExampleProvidersCrdGivesItsKindBesideTheBuiltInOnes() {
    SourceKinds kinds =
        SourceKinds.discover(
            List.of(SourceKind.of(VmwareSource.class), SourceKind.of(OvaSource.class)),
            new ProviderRegistry(List.of(new DirectorySourceProvider())));

    assertThat(kinds.plugins())
        .extracting(SourceKind::kind, SourceKind::plural, SourceKind::apiVersion)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "DirectorySource", "directorysources", "migration.harvesterhci.io/v1beta1"));
    assertThat(kinds.plugins().get(0).crd()).endsWith(SHIPPED);
    assertThat(kinds.find("directorysource")).contains(kinds.plugins().get(0));
    assertThat(kinds.find("VmwareSource")).isPresent();
    assertThat(kinds.notServed("TapeSource"))
        .startsWith(
            "'TapeSource' is not a source kind this operator serves; it serves DirectorySource,"
                + " OvaSource, VmwareSource.");
  }

  @Test
  void aCrdInAnotherGroupIsRefusedNamingTheGroupToUse() throws Exception {
    URL crd =
        shipped(text -> text.replace("group: migration.harvesterhci.io", "group: example.com"));

    assertThatThrownBy(() -> SourceKinds.fromCrd(crd, "directory"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(crd.toString())
        .hasMessageContaining(
            "spec.group is 'example.com'; a source kind must be in migration.harvesterhci.io");
  }

  @Test
  void aCrdOfAnotherKindIsRefusedNamingTheProvidersKind() throws Exception {
    URL crd = shipped(text -> text.replace("kind: DirectorySource", "kind: FolderSource"));

    assertThatThrownBy(() -> SourceKinds.fromCrd(crd, "directory"))
        .hasMessageContaining(
            "spec.names.kind is 'FolderSource'; the provider of kind 'directory' serves the source"
                + " kind DirectorySource");
  }

  @Test
  void aCrdWithoutAStatusSubresourceIsRefused() throws Exception {
    URL crd = shipped(text -> text.replace("    subresources:\n      status: {}\n", ""));

    assertThatThrownBy(() -> SourceKinds.fromCrd(crd, "directory"))
        .hasMessageContaining("version v1beta1 has no status subresource");
  }

  @Test
  void whatIsNotACrdIsRefused() throws Exception {
    URL crd = shipped(text -> "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");

    assertThatThrownBy(() -> SourceKinds.fromCrd(crd, "directory"))
        .hasMessageContaining("is not a");
  }

  /** The example provider's CRD, changed by {@code edit}, as a file. */
  private URL shipped(java.util.function.UnaryOperator<String> edit) throws Exception {
    String text;
    try (var in = getClass().getClassLoader().getResourceAsStream(SHIPPED)) {
      text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    String edited = edit.apply(text);
    assertThat(edited).as("the edit changed the CRD").isNotEqualTo(text);
    return Files.writeString(dir.resolve("crd.yaml"), edited).toUri().toURL();
  }
}
