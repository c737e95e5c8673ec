package io.vmimport.target.harvester;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vmimport.api.ScratchFiles;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.target.harvester.internal.KubeNames;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeNamesTest {
  @TempDir Path scratch;

  @Test
  void labelValuesAreKeptOrHashed() {
    assertThat(KubeNames.labelValue("Web_01.vmdk")).isEqualTo("Web_01.vmdk");
    assertThat(KubeNames.labelValue("Web Server 01")).hasSize(40).matches("[0-9a-f]+");
  }

  /**
   * Import names are DNS-1123 subdomains: {@code web.prod} and {@code web-prod} are two imports.
   * Their scratch folders must differ, or one import's disks would overwrite the other's.
   */
  @Test
  void importsWhoseNamesDifferOnlyInPunctuationGetTheirOwnScratchFolders() throws Exception {
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").build())
            .build();
    try (client;
        ImageServer server = ImageServer.start(ImageServerConfig.loopback())) {
      HarvesterTarget target = new HarvesterTarget(client, server, scratch);
      TargetDisk disk = TestVms.webServer("vms", "web", java.util.Optional.empty()).disks().get(0);

      Path dotted = target.diskPath(new ImportRef("vms", "web.prod", "uid-1"), disk);
      Path dashed = target.diskPath(new ImportRef("vms", "web-prod", "uid-2"), disk);

      assertThat(dotted).isNotEqualTo(dashed);
      assertThat(dashed).isEqualTo(scratch.resolve("vms/web-prod/target/disk-0.qcow2"));
      ScratchFiles layout = new ScratchFiles(scratch);
      ImportRef ref = new ImportRef("vms", "web-prod", "uid-2");
      assertThat(dashed)
          .as("in the import's folder, beside what the engine stages for it")
          .startsWithRaw(layout.importDir(ref))
          .startsWithRaw(layout.targetDir(ref))
          .matches(
              path -> !path.startsWith(layout.stagingDir(ref)),
              "not below " + layout.stagingDir(ref));
    }
  }
}
