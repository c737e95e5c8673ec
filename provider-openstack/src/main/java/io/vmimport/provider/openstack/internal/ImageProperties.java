package io.vmimport.provider.openstack.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.NicModel;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Image properties that describe the boot disk's virtual hardware. */
record ImageProperties(Map<String, String> values) {
  static final Set<String> KEYS =
      new LinkedHashSet<>(
          List.of(
              "hw_firmware_type",
              "os_secure_boot",
              "hw_tpm_model",
              "hw_tpm_version",
              "hw_vif_model",
              "os_distro",
              "os_type"));

  ImageProperties {
    values = Map.copyOf(requireNonNull(values, "values is null"));
  }

  private Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key))
        .map(v -> v.trim().toLowerCase(Locale.ROOT))
        .filter(v -> !v.isEmpty());
  }

  Firmware firmware() {
    boolean tpm = get("hw_tpm_model").isPresent() || get("hw_tpm_version").isPresent();
    if (get("hw_firmware_type").filter("uefi"::equals).isEmpty()) {
      return new Firmware(io.vmimport.api.model.FirmwareType.BIOS, false, tpm);
    }
    boolean secureBoot = get("os_secure_boot").filter("required"::equals).isPresent();
    return Firmware.efi(secureBoot, tpm);
  }

  Optional<NicModel> nicModel() {
    Function<String, Optional<NicModel>> map =
        model ->
            switch (model) {
              case "virtio" -> Optional.of(NicModel.VIRTIO);
              case "e1000" -> Optional.of(NicModel.E1000);
              case "e1000e" -> Optional.of(NicModel.E1000E);
              case "rtl8139" -> Optional.of(NicModel.RTL8139);
              case "ne2k_pci" -> Optional.of(NicModel.NE2K_PCI);
              case "pcnet" -> Optional.of(NicModel.PCNET);
              default -> Optional.empty();
            };
    return get("hw_vif_model").flatMap(map);
  }

  Optional<String> guestOs() {
    return get("os_distro").or(() -> get("os_type"));
  }
}
