package io.vmimport.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmimport.target.harvester.ImageServerConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorConfigTest {
  @Test
  void defaultsNeedOnlyTheLeaseNamespace() {
    OperatorConfig config =
        OperatorConfig.fromEnvironment(Map.of("POD_NAMESPACE", "harvester-system"));
    assertThat(config.scratchDir()).isEqualTo(Path.of("/scratch"));
    assertThat(config.namespaces()).isEmpty();
    assertThat(config.maxConcurrentImports()).isEqualTo(4);
    assertThat(config.maxExportsPerSourceHost()).isEqualTo(10);
    assertThat(config.leaderElection()).contains("harvester-system");
    assertThat(config.allowCrossNamespaceSecrets()).isFalse();
    assertThat(config.allowCrossNamespaceSources()).isFalse();
    assertThat(config.sourceRecheckInterval()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void readsEveryVariable() {
    OperatorConfig config =
        OperatorConfig.fromEnvironment(
            Map.of(
                "VMIMPORT_NAMESPACES", "a, b",
                "VMIMPORT_MAX_CONCURRENT_IMPORTS", "8",
                "VMIMPORT_MAX_PARALLEL_DISKS", "3",
                "VMIMPORT_IMAGE_SERVER_URL", "http://svc.ns:8080",
                "VMIMPORT_ALLOW_CROSS_NAMESPACE_SECRETS", "true",
                "VMIMPORT_LEADER_ELECTION", "false",
                "VMIMPORT_SOURCE_RECHECK_SECONDS", "60"));
    assertThat(config.namespaces()).isEqualTo(Set.of("a", "b"));
    assertThat(config.maxConcurrentImports()).isEqualTo(8);
    assertThat(config.maxParallelDisks()).isEqualTo(3);
    assertThat(config.imageServerUrl()).isEqualTo(Optional.of(URI.create("http://svc.ns:8080")));
    assertThat(config.allowCrossNamespaceSecrets()).isTrue();
    assertThat(config.leaderElection()).isEmpty();
    assertThat(config.sourceRecheckInterval()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void aWrongValueNamesItsVariable() {
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnvironment(
                    Map.of(
                        "VMIMPORT_LEADER_ELECTION",
                        "false",
                        "VMIMPORT_MAX_PARALLEL_DISKS",
                        "lots")))
        .hasMessageContaining("VMIMPORT_MAX_PARALLEL_DISKS")
        .hasMessageContaining("lots");
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnvironment(
                    Map.of(
                        "VMIMPORT_LEADER_ELECTION",
                        "false",
                        "VMIMPORT_MAX_CONCURRENT_IMPORTS",
                        "0")))
        .hasMessageContaining("VMIMPORT_MAX_CONCURRENT_IMPORTS");
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnvironment(
                    Map.of(
                        "VMIMPORT_LEADER_ELECTION",
                        "false",
                        "VMIMPORT_MAX_EXPORTS_PER_SOURCE_HOST",
                        "-1")))
        .hasMessageContaining("VMIMPORT_MAX_EXPORTS_PER_SOURCE_HOST");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of()))
        .hasMessageContaining("POD_NAMESPACE");
    assertThatThrownBy(
            () -> OperatorConfig.fromEnvironment(Map.of("VMIMPORT_LEADER_ELECTION", "nope")))
        .hasMessageContaining("VMIMPORT_LEADER_ELECTION");
  }

  @Test
  void theProbesHaveAPortOfTheirOwn() {
    Map<String, String> env = Map.of("VMIMPORT_LEADER_ELECTION", "false");
    OperatorConfig defaults = OperatorConfig.fromEnvironment(env);
    assertThat(defaults.httpPort()).isEqualTo(8081);
    assertThat(defaults.probePort()).isEqualTo(8082);
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnvironment(
                    Map.of(
                        "VMIMPORT_LEADER_ELECTION", "false",
                        "VMIMPORT_HTTP_PORT", "9000",
                        "VMIMPORT_PROBE_PORT", "9000")))
        .hasMessageContaining("VMIMPORT_PROBE_PORT")
        .hasMessageContaining("9000");
  }

  @Test
  void readsTheImageServersLimits() {
    assertThat(
            OperatorConfig.fromEnvironment(Map.of("VMIMPORT_LEADER_ELECTION", "false"))
                .imageServerLimits())
        .isEqualTo(ImageServerConfig.Limits.DEFAULTS);
    OperatorConfig config =
        OperatorConfig.fromEnvironment(
            Map.of(
                "VMIMPORT_LEADER_ELECTION", "false",
                "VMIMPORT_IMAGE_SERVER_MAX_CONNECTIONS", "12",
                "VMIMPORT_IMAGE_SERVER_REQUEST_TIMEOUT_SECONDS", "7",
                "VMIMPORT_IMAGE_SERVER_SEND_TIMEOUT_SECONDS", "600"));
    assertThat(config.imageServerLimits())
        .isEqualTo(
            new ImageServerConfig.Limits(12, Duration.ofSeconds(7), Duration.ofSeconds(600)));
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnvironment(
                    Map.of(
                        "VMIMPORT_LEADER_ELECTION", "false",
                        "VMIMPORT_IMAGE_SERVER_REQUEST_TIMEOUT_SECONDS", "0")))
        .hasMessageContaining("VMIMPORT_IMAGE_SERVER_REQUEST_TIMEOUT_SECONDS");
  }

  @Test
  void aRecheckIntervalOfZeroOrLessIsRefused() {
    for (String seconds : new String[] {"0", "-5"}) {
      assertThatThrownBy(
              () ->
                  OperatorConfig.fromEnvironment(
                      Map.of(
                          "VMIMPORT_LEADER_ELECTION",
                          "false",
                          "VMIMPORT_SOURCE_RECHECK_SECONDS",
                          seconds)))
          .hasMessage("VMIMPORT_SOURCE_RECHECK_SECONDS must be at least 1: " + seconds);
    }
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnvironment(
                    Map.of(
                        "VMIMPORT_LEADER_ELECTION",
                        "false",
                        "VMIMPORT_STATUS_INTERVAL_MILLIS",
                        "0")))
        .hasMessageContaining("VMIMPORT_STATUS_INTERVAL_MILLIS");
  }
}
