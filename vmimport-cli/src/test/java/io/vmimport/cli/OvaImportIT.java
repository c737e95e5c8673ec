package io.vmimport.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.cli.CliRunner.Result;
import io.vmimport.provider.ova.Nginx;
import io.vmimport.provider.ova.NginxPeer;
import io.vmimport.provider.ova.SharedOva;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #17's "done when": {@code vmimport import} of the shared VirtualBox OVA, served by a real
 * nginx over https with basic auth and a throw-away CA, writes a disk identical to the OVA's own
 * disk.
 */
class OvaImportIT {
  @TempDir Path dir;

  @Test
  void theSharedOvaOverHttpsWithBasicAuthImportsToTheSameDisk() throws Exception {
    SharedOva.assumePresent();
    Nginx.assumeInstalled();
    Nginx nginx = NginxPeer.get();
    Path resources = dir.resolve("ova.yaml");
    Files.writeString(
        resources,
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: ova-creds
          namespace: default
        stringData:
          username: %s
          password: %s
          ca.crt: |
        %s---
        apiVersion: migration.harvesterhci.io/v1beta1
        kind: OvaSource
        metadata:
          name: appliance
          namespace: default
        spec:
          url: %s
          httpTimeoutSeconds: 30
          credentials:
            name: ova-creds
            namespace: default
        ---
        apiVersion: migration.harvesterhci.io/v1beta1
        kind: VirtualMachineImport
        metadata:
          name: ubuntu
          namespace: default
        spec:
          virtualMachineName: %s
          networkMapping:
          - sourceNetwork: NAT
            destinationNetwork: default/vlan1
          sourceCluster:
            apiVersion: migration.harvesterhci.io/v1beta1
            kind: OvaSource
            name: appliance
            namespace: default
        """
            .formatted(
                Nginx.USER,
                Nginx.PASSWORD,
                nginx.caPem().strip().indent(4),
                nginx.https("private/" + SharedOva.VIRTUALBOX),
                SharedOva.VIRTUALBOX_VM));
    Path out = dir.resolve("out");

    Result result = CliRunner.importInto(resources, out);

    assertThat(result.exitCode()).as(result.toString()).isZero();
    List<Path> disks;
    try (Stream<Path> files = Files.list(out.resolve("default").resolve("ubuntu"))) {
      disks = files.filter(f -> f.toString().endsWith(".qcow2")).toList();
    }
    assertThat(disks).hasSize(1);
    Path extracted = dir.resolve("extracted");
    SharedOva.extract(SharedOva.virtualBox(), extracted);
    Process compare =
        new ProcessBuilder(
                "qemu-img",
                "compare",
                extracted.resolve(SharedOva.VIRTUALBOX_DISK).toString(),
                disks.get(0).toString())
            .redirectErrorStream(true)
            .start();
    String said = new String(compare.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(compare.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(compare.exitValue()).as("qemu-img compare: %s", said).isZero();
  }
}
