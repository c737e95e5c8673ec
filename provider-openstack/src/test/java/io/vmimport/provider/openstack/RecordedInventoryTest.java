package io.vmimport.provider.openstack;

import static io.vmimport.provider.openstack.RecordedCloud.PROJECT;
import static io.vmimport.provider.openstack.RecordedCloud.SERVER_ID;
import static io.vmimport.provider.openstack.RecordedCloud.VOLUME_ID;
import static io.vmimport.provider.openstack.RecordedCloud.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.VmLocator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Inventory of the recorded image-backed server vm-eph (one NIC, data volume on /dev/sdb). */
class RecordedInventoryTest {
  private static final String IMAGE_OF_SERVER = "9d1ccbc6-c746-49c9-8969-d40e2d9537a6";
  private static final long GIB = 1L << 30;

  private RecordedCloud cloud;

  @BeforeEach
  void startCloud() throws Exception {
    RecordedCloud.fixtures();
    cloud = new RecordedCloud();
    cloud
        .route("GET /v2.1/servers/" + SERVER_ID, fixture("15-server-show-shutoff"))
        .route("GET /v2.1/flavors/ecf52587-4325-4c06-9e34-da9a6d008b74", fixture("07-flavor-show"))
        .route(
            "GET /v2.1/servers/" + SERVER_ID + "/os-volume_attachments",
            fixture("08-server-volume-attachments"))
        .route(
            "GET /v2.1/servers/" + SERVER_ID + "/os-interface", fixture("09-server-os-interface"))
        .route("GET /v3/" + PROJECT + "/volumes/" + VOLUME_ID, fixture("13-volume-show-in-use"));
  }

  @AfterEach
  void stopCloud() {
    if (cloud != null) {
      cloud.close();
    }
  }

  private SourceVm describe() {
    try (SourceSession session =
        new OpenstackSourceProvider()
            .open(
                new SourceSpec(
                    OpenstackSourceProvider.KIND,
                    "default",
                    "recorded",
                    Map.of(
                        "endpoint",
                        cloud.keystone(),
                        "region",
                        "RegionOne",
                        // the recording server speaks plain HTTP on loopback
                        "insecurePlainHTTP",
                        "true"),
                    new Credentials(
                        "default/recorded",
                        Map.of(
                            "username", "admin",
                            "password", "recorded-password-1",
                            "project_name", "admin",
                            "domain_name", "Default"))))) {
      return session.inventory().describe(VmLocator.of(SERVER_ID));
    }
  }

  private static JsonNode imageWith(Map<String, String> properties) {
    JsonNode recorded = fixture("23-image-show-active").deepCopy();
    ObjectNode body = (ObjectNode) recorded.path("response").path("body");
    body.put("id", IMAGE_OF_SERVER);
    properties.forEach(body::put);
    return recorded;
  }

  @Test
  void describesFlavorDisksAndNicsExactly() {
    cloud.route("GET /v2/images/" + IMAGE_OF_SERVER, imageWith(Map.of()));

    SourceVm vm = describe();

    assertThat(vm.id()).isEqualTo(SERVER_ID);
    assertThat(vm.name()).isEqualTo("vm-eph");
    assertThat(vm.cpu().vcpus()).isEqualTo(2);
    assertThat(vm.memoryMiB()).isEqualTo(2048);
    assertThat(vm.firmware()).isEqualTo(Firmware.BIOS);
    assertThat(vm.disks())
        .extracting(
            SourceDisk::key, SourceDisk::name, SourceDisk::capacityBytes, SourceDisk::bootOrder)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "root-disk-of-" + SERVER_ID, "vm-eph-root", GIB, OptionalInt.of(1)),
            org.assertj.core.groups.Tuple.tuple(VOLUME_ID, "data1", GIB, OptionalInt.empty()));
    assertThat(vm.nics())
        .containsExactly(
            new SourceNic(0, "fa:16:3e:40:3c:a0", Optional.empty(), Optional.of("private")));
  }

  @Test
  void firmwareAndNicModelComeFromTheImageProperties() {
    cloud.route(
        "GET /v2/images/" + IMAGE_OF_SERVER,
        imageWith(
            Map.of(
                "hw_firmware_type", "uefi",
                "os_secure_boot", "required",
                "hw_tpm_model", "tpm-crb",
                "hw_vif_model", "e1000")));

    SourceVm vm = describe();

    assertThat(vm.firmware()).isEqualTo(Firmware.efi(true, true));
    assertThat(vm.nics()).extracting(SourceNic::model).containsExactly(Optional.of(NicModel.E1000));
  }
}
