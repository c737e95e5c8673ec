package io.vmimport.provider.openstack.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Cpu;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.VmInventory;
import io.vmimport.api.source.VmLocator;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.openstack4j.model.compute.Flavor;
import org.openstack4j.model.compute.Server;
import org.openstack4j.model.image.v2.Image;

/**
 * Servers as neutral records: hardware from the flavor, disks from the image and the attached
 * volumes (in device order), NICs in port order, firmware and NIC model from the image properties.
 */
final class OpenstackInventory implements VmInventory {
  private static final Pattern UUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final long GIB = 1024L * 1024 * 1024;

  private final OpenstackSettings settings;
  private final CloudConnection cloud;

  OpenstackInventory(OpenstackSettings settings, CloudConnection cloud) {
    this.settings = requireNonNull(settings, "settings is null");
    this.cloud = requireNonNull(cloud, "cloud is null");
  }

  @Override
  public List<String> list() {
    try {
      return cloud.client().compute().servers().list().stream().map(Server::getName).toList();
    } catch (RuntimeException e) {
      throw OpenstackErrors.translate(e, "list servers");
    }
  }

  /** Finds a server by UUID or exact name. */
  Server find(VmLocator locator) {
    if (locator.folder().isPresent()) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "spec.folder: OpenStack has no folders; remove folder '" + locator.folder().get() + "'");
    }
    String wanted = locator.nameOrId();
    try {
      if (UUID.matcher(wanted).matches()) {
        Server byId = cloud.client().compute().servers().get(wanted);
        if (byId != null) {
          return byId;
        }
      }
      // Nova's name filter is a regular expression: escape it, then compare exactly
      List<? extends Server> candidates =
          cloud.client().compute().servers().list(Map.of("name", "^" + regexEscape(wanted) + "$"));
      List<Server> exact =
          candidates.stream().filter(s -> wanted.equals(s.getName())).map(s -> (Server) s).toList();
      if (exact.isEmpty()) {
        throw new VmImportException(
            ErrorCode.NOT_FOUND,
            "no server named or with id '"
                + wanted
                + "' in "
                + settings.projectDescription()
                + " of source "
                + settings.source());
      }
      if (exact.size() > 1) {
        throw new VmImportException(
            ErrorCode.NOT_UNIQUE,
            exact.size()
                + " servers are named '"
                + wanted
                + "': "
                + exact.stream().map(Server::getId).sorted().toList()
                + "; set spec.virtualMachineName to one of these UUIDs");
      }
      // the list entries are summaries; read the full server
      Server server = cloud.client().compute().servers().get(exact.get(0).getId());
      if (server == null) {
        throw new VmImportException(
            ErrorCode.NOT_FOUND, "server '" + wanted + "' disappeared while being read");
      }
      return server;
    } catch (RuntimeException e) {
      throw OpenstackErrors.translate(e, "look up server '" + wanted + "'");
    }
  }

  private static String regexEscape(String text) {
    StringBuilder escaped = new StringBuilder();
    for (char c : text.toCharArray()) {
      if ("\\.^$|?*+()[]{}".indexOf(c) >= 0) {
        escaped.append('\\');
      }
      escaped.append(c);
    }
    return escaped.toString();
  }

  @Override
  public SourceVm describe(VmLocator locator) {
    Server server = find(locator);
    String what = "describe server '" + server.getName() + "' (" + server.getId() + ")";
    try {
      Flavor flavor = cloud.client().compute().flavors().get(server.getFlavorId());
      if (flavor == null) {
        throw new VmImportException(
            ErrorCode.NOT_FOUND,
            "flavor " + server.getFlavorId() + " of server " + server.getId() + " is gone");
      }
      Optional<String> imageId = imageIdOf(server);
      List<AttachedVolume> volumes = attachedVolumes(server.getId());
      Map<String, String> bootProperties = new HashMap<>();
      if (imageId.isPresent()) {
        Image image = cloud.client().imagesV2().get(imageId.get());
        if (image != null) {
          for (String key : ImageProperties.KEYS) {
            String value = image.getAdditionalPropertyValue(key);
            if (value != null) {
              bootProperties.put(key, value);
            }
          }
        }
      } else if (!volumes.isEmpty()) {
        bootProperties.putAll(volumes.get(0).imageMetadata());
      }
      ImageProperties properties = new ImageProperties(bootProperties);

      List<SourceDisk> disks = new ArrayList<>();
      if (imageId.isPresent()) {
        long rootBytes = flavor.getDisk() * GIB;
        disks.add(
            SourceDisk.of(0, rootDiskKey(server.getId()), server.getName() + "-root", rootBytes)
                .withBootOrder(1));
      }
      for (AttachedVolume volume : volumes) {
        SourceDisk disk =
            SourceDisk.of(disks.size(), volume.id(), volume.displayName(), volume.sizeGib() * GIB);
        if (imageId.isEmpty() && disks.isEmpty()) {
          disk = disk.withBootOrder(1);
        }
        disks.add(disk);
      }
      return new SourceVm(
          server.getId(),
          server.getName(),
          new Cpu(flavor.getVcpus(), 1),
          flavor.getRam(),
          properties.firmware(),
          disks,
          nics(server.getId(), properties.nicModel()),
          description(server),
          properties.guestOs());
    } catch (RuntimeException e) {
      throw OpenstackErrors.translate(e, what);
    }
  }

  private Optional<String> description(Server server) {
    // compute 2.1 has no server description (2.19+); the metadata key is the common substitute
    Map<String, String> metadata = server.getMetadata();
    return Optional.ofNullable(metadata == null ? null : metadata.get("description"))
        .filter(text -> !text.isBlank());
  }

  /** The disk key of the root disk of an image-backed server, which has no volume id. */
  static String rootDiskKey(String serverId) {
    return "root-disk-of-" + serverId;
  }

  static Optional<String> imageIdOf(Server server) {
    // boot-from-volume servers report "image": "" (openstack4j maps it to null or blank)
    return Optional.ofNullable(server.getImageId()).filter(id -> !id.isBlank());
  }

  /** A volume attached to a server, in device order. */
  record AttachedVolume(
      String id,
      String device,
      String displayName,
      long sizeGib,
      Map<String, String> imageMetadata) {
    AttachedVolume {
      requireNonNull(id, "id is null");
      requireNonNull(device, "device is null");
      requireNonNull(displayName, "displayName is null");
      imageMetadata = Map.copyOf(requireNonNull(imageMetadata, "imageMetadata is null"));
    }
  }

  List<AttachedVolume> attachedVolumes(String serverId) {
    JsonNode attachments =
        cloud
            .getJson(
                "/servers/" + serverId + "/os-volume_attachments",
                "list the volumes of server " + serverId,
                "compute")
            .path("volumeAttachments");
    List<AttachedVolume> volumes = new ArrayList<>();
    for (JsonNode attachment : attachments) {
      String volumeId = attachment.path("volumeId").asText();
      JsonNode volume =
          cloud
              .getJson(
                  "/volumes/" + volumeId, "read volume " + volumeId, "volumev3", "block-storage")
              .path("volume");
      Map<String, String> imageMetadata = new LinkedHashMap<>();
      volume
          .path("volume_image_metadata")
          .fields()
          .forEachRemaining(field -> imageMetadata.put(field.getKey(), field.getValue().asText()));
      String name = volume.path("name").asText("");
      volumes.add(
          new AttachedVolume(
              volumeId,
              attachment.path("device").asText(""),
              name.isBlank() ? volumeId : name,
              volume.path("size").asLong(),
              imageMetadata));
    }
    // device order (vda, vdb, ...) is the order the guest sees and, for a boot-from-volume
    // server, puts the root volume first; vdb sorts before vdaa as the kernel names them
    volumes.sort(
        Comparator.comparing((AttachedVolume v) -> v.device().length())
            .thenComparing(AttachedVolume::device));
    return volumes;
  }

  /**
   * NICs in the instance's port order, as far as Nova's API tells it. {@code addresses} (read here
   * as JSON: openstack4j keeps it in a hash map, which loses the order of networks) follows the
   * instance's network info, grouped by network, and names only ports with a fixed IP. {@code
   * os-interface} lists every port, in Neutron's order. So: the ports with an address in {@code
   * addresses} order, then those without one. NICs of two networks that alternate (A, B, A) come
   * out grouped (A, A, B); nothing in the API tells the difference.
   */
  private List<SourceNic> nics(String serverId, Optional<NicModel> model) {
    JsonNode addresses =
        cloud
            .getJson("/servers/" + serverId, "read server " + serverId, "compute")
            .path("server")
            .path("addresses");
    Map<String, String> networkByMac = new LinkedHashMap<>();
    addresses
        .fields()
        .forEachRemaining(
            network -> {
              for (JsonNode address : network.getValue()) {
                String mac = macOf(address.path("OS-EXT-IPS-MAC:mac_addr"));
                if (!mac.isEmpty()) {
                  networkByMac.putIfAbsent(mac, network.getKey());
                }
              }
            });
    JsonNode ports =
        cloud
            .getJson(
                "/servers/" + serverId + "/os-interface",
                "list the ports of server " + serverId,
                "compute")
            .path("interfaceAttachments");
    Map<String, String> networkNames = new HashMap<>();
    for (JsonNode port : ports) {
      String mac = macOf(port.path("mac_addr"));
      if (!mac.isEmpty() && !networkByMac.containsKey(mac)) {
        String networkId = port.path("net_id").asText();
        networkByMac.put(mac, networkNames.computeIfAbsent(networkId, this::networkName));
      }
    }
    List<SourceNic> nics = new ArrayList<>();
    for (Map.Entry<String, String> nic : networkByMac.entrySet()) {
      nics.add(new SourceNic(nics.size(), nic.getKey(), model, Optional.of(nic.getValue())));
    }
    return nics;
  }

  private static String macOf(JsonNode mac) {
    return mac.asText("").toLowerCase(Locale.ROOT);
  }

  private String networkName(String networkId) {
    String name =
        cloud
            .getJson("/v2.0/networks/" + networkId, "read network " + networkId, "network")
            .path("network")
            .path("name")
            .asText("");
    return name.isBlank() ? networkId : name;
  }
}
