package io.vmimport.provider.ova;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OVF descriptor vSphere's {@code OvfManager.CreateDescriptor} would write for a VM, for vcsim,
 * which does not implement it. The layout is VMware's (OVF 1.0, DSP0243, with the {@code vmw:}
 * extensions, as in ../shared/test-peers/ova/cot/vmware.ovf): References, DiskSection with
 * capacities in {@code byte * 2^30}, NetworkSection, one VirtualSystem whose hardware items are the
 * CPU (with {@code vmw:CoresPerSocket}), memory, the SCSI controller, the disks on it, the NICs
 * with their MAC in {@code rasd:Address}, and the firmware as {@code vmw:Config}. Every value comes
 * from what govc reads from vcsim; nothing is assumed.
 */
final class GovcDescriptor {
  private GovcDescriptor() {}

  /** A device as {@code govc device.info} prints it. */
  record Device(
      String name,
      String type,
      String controller,
      int unit,
      long capacityBytes,
      String mac,
      String network) {}

  /** The VM as vcsim reports it. */
  record Facts(
      String name,
      int vcpus,
      int coresPerSocket,
      long memoryMiB,
      String firmware,
      String guestId,
      Map<String, String> controllers,
      List<Device> disks,
      List<Device> nics) {}

  /**
   * @param collected {@code govc object.collect -s} of numCPU, numCoresPerSocket, memoryMB,
   *     firmware and guestId, one value a line
   * @param deviceInfo {@code govc device.info -vm NAME}
   * @param networks the network of each NIC, in device order (vcsim prints a distributed port
   *     group's switch instead of its name)
   */
  static Facts facts(String name, String collected, String deviceInfo, List<String> networks) {
    String[] values = collected.strip().split("\\R");
    if (values.length != 5) {
      throw new IllegalArgumentException("govc object.collect printed: " + collected);
    }
    Map<String, String> controllers = new LinkedHashMap<>();
    List<Device> disks = new ArrayList<>();
    List<Device> nics = new ArrayList<>();
    for (Map<String, String> block : blocks(deviceInfo)) {
      String type = block.getOrDefault("Type", "");
      if (type.endsWith("Controller") && type.contains("Logic") || type.contains("SCSI")) {
        controllers.put(block.get("Name"), type);
      } else if (type.equals("VirtualDisk")) {
        long kib = Long.parseLong(block.get("Summary").replace(" KB", "").replace(",", ""));
        disks.add(
            new Device(
                block.get("Name"),
                type,
                block.get("Controller"),
                Integer.parseInt(block.get("Unit number")),
                kib * 1024,
                null,
                null));
      } else if (type.startsWith("VirtualE1000")
          || type.startsWith("VirtualVmxnet")
          || type.startsWith("VirtualPCNet")) {
        nics.add(
            new Device(
                block.get("Name"),
                type,
                block.get("Controller"),
                Integer.parseInt(block.get("Unit number")),
                0,
                block.get("MAC Address"),
                networks.get(nics.size())));
      }
    }
    return new Facts(
        name,
        Integer.parseInt(values[0].trim()),
        Integer.parseInt(values[1].trim()),
        Long.parseLong(values[2].trim()),
        values[3].trim(),
        values[4].trim(),
        controllers,
        disks,
        nics);
  }

  private static List<Map<String, String>> blocks(String deviceInfo) {
    List<Map<String, String>> blocks = new ArrayList<>();
    Map<String, String> block = null;
    for (String line : deviceInfo.split("\\R")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String key = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim();
      if (line.startsWith("Name:")) {
        block = new LinkedHashMap<>();
        blocks.add(block);
      }
      if (block != null) {
        block.putIfAbsent(key, value);
      }
    }
    return blocks;
  }

  /** The descriptor for {@code facts}, its disks in {@code diskFiles} (in {@code dir}). */
  static String write(Facts facts, Path dir, List<String> diskFiles) throws IOException {
    if (diskFiles.size() != facts.disks().size()) {
      throw new IllegalArgumentException(
          "govc wrote " + diskFiles + " for the disks " + facts.disks());
    }
    StringBuilder xml = new StringBuilder();
    xml.append(
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <Envelope vmw:buildId="build-vcsim" xmlns="http://schemas.dmtf.org/ovf/envelope/1" \
        xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common" \
        xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" \
        xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" \
        xmlns:vmw="http://www.vmware.com/schema/ovf" \
        xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" \
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
          <References>
        """);
    for (int i = 0; i < diskFiles.size(); i++) {
      xml.append(
          "    <File ovf:href=\"%s\" ovf:id=\"file%d\" ovf:size=\"%d\"/>\n"
              .formatted(diskFiles.get(i), i + 1, Files.size(dir.resolve(diskFiles.get(i)))));
    }
    xml.append("  </References>\n  <DiskSection>\n    <Info>Virtual disk information</Info>\n");
    for (int i = 0; i < facts.disks().size(); i++) {
      Device disk = facts.disks().get(i);
      boolean whole = disk.capacityBytes() % (1L << 30) == 0;
      xml.append(
          ("    <Disk ovf:capacity=\"%d\" ovf:capacityAllocationUnits=\"%s\""
                  + " ovf:diskId=\"vmdisk%d\" ovf:fileRef=\"file%d\" ovf:format="
                  + "\"http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized\""
                  + "/>\n")
              .formatted(
                  whole ? disk.capacityBytes() >> 30 : disk.capacityBytes(),
                  whole ? "byte * 2^30" : "byte",
                  i + 1,
                  i + 1));
    }
    xml.append(
        "  </DiskSection>\n  <NetworkSection>\n    <Info>The list of logical networks</Info>\n");
    for (String network : facts.nics().stream().map(Device::network).distinct().toList()) {
      xml.append(
          "    <Network ovf:name=\"%1$s\">\n      <Description>The %1$s network</Description>\n    </Network>\n"
              .formatted(network));
    }
    xml.append(
        """
          </NetworkSection>
          <VirtualSystem ovf:id="%1$s">
            <Info>A virtual machine</Info>
            <Name>%1$s</Name>
            <OperatingSystemSection ovf:id="1" vmw:osType="%2$s">
              <Info>The kind of installed guest operating system</Info>
            </OperatingSystemSection>
            <VirtualHardwareSection>
              <Info>Virtual hardware requirements</Info>
              <System>
                <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
                <vssd:InstanceID>0</vssd:InstanceID>
                <vssd:VirtualSystemIdentifier>%1$s</vssd:VirtualSystemIdentifier>
                <vssd:VirtualSystemType>vmx-13</vssd:VirtualSystemType>
              </System>
              <Item>
                <rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits>
                <rasd:Description>Number of Virtual CPUs</rasd:Description>
                <rasd:ElementName>%3$d virtual CPU(s)</rasd:ElementName>
                <rasd:InstanceID>1</rasd:InstanceID>
                <rasd:ResourceType>3</rasd:ResourceType>
                <rasd:VirtualQuantity>%3$d</rasd:VirtualQuantity>
                <vmw:CoresPerSocket ovf:required="false">%4$d</vmw:CoresPerSocket>
              </Item>
              <Item>
                <rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>
                <rasd:Description>Memory Size</rasd:Description>
                <rasd:ElementName>%5$dMB of memory</rasd:ElementName>
                <rasd:InstanceID>2</rasd:InstanceID>
                <rasd:ResourceType>4</rasd:ResourceType>
                <rasd:VirtualQuantity>%5$d</rasd:VirtualQuantity>
              </Item>
        """
            .formatted(
                facts.name(),
                facts.guestId(),
                facts.vcpus(),
                facts.coresPerSocket(),
                facts.memoryMiB()));
    int instance = 3;
    Map<String, Integer> controllerIds = new LinkedHashMap<>();
    int bus = 0;
    for (Map.Entry<String, String> controller : facts.controllers().entrySet()) {
      controllerIds.put(controller.getKey(), instance);
      String subType =
          switch (controller.getValue()) {
            case "VirtualLsiLogicController" -> "lsilogic";
            case "VirtualLsiLogicSASController" -> "lsilogicsas";
            case "ParaVirtualSCSIController" -> "VirtualSCSI";
            case "VirtualBusLogicController" -> "buslogic";
            default ->
                throw new IllegalArgumentException("no OVF name for " + controller.getValue());
          };
      xml.append(
          """
                <Item>
                  <rasd:Address>%d</rasd:Address>
                  <rasd:Description>SCSI Controller</rasd:Description>
                  <rasd:ElementName>SCSI controller %1$d</rasd:ElementName>
                  <rasd:InstanceID>%d</rasd:InstanceID>
                  <rasd:ResourceSubType>%s</rasd:ResourceSubType>
                  <rasd:ResourceType>6</rasd:ResourceType>
                </Item>
          """
              .formatted(bus++, instance++, subType));
    }
    for (int i = 0; i < facts.disks().size(); i++) {
      Device disk = facts.disks().get(i);
      Integer parent = controllerIds.get(disk.controller());
      if (parent == null) {
        throw new IllegalArgumentException(disk + " is on a controller not read: " + facts);
      }
      xml.append(
          """
                <Item>
                  <rasd:AddressOnParent>%d</rasd:AddressOnParent>
                  <rasd:ElementName>Hard disk %d</rasd:ElementName>
                  <rasd:HostResource>ovf:/disk/vmdisk%2$d</rasd:HostResource>
                  <rasd:InstanceID>%d</rasd:InstanceID>
                  <rasd:Parent>%d</rasd:Parent>
                  <rasd:ResourceType>17</rasd:ResourceType>
                </Item>
          """
              .formatted(disk.unit(), i + 1, instance++, parent));
    }
    for (int i = 0; i < facts.nics().size(); i++) {
      Device nic = facts.nics().get(i);
      String subType =
          switch (nic.type()) {
            case "VirtualVmxnet3" -> "VmxNet3";
            case "VirtualE1000e" -> "E1000e";
            case "VirtualE1000" -> "E1000";
            case "VirtualPCNet32" -> "PCNet32";
            default -> throw new IllegalArgumentException("no OVF name for " + nic.type());
          };
      xml.append(
          """
                <Item>
                  <rasd:Address>%s</rasd:Address>
                  <rasd:AddressOnParent>%d</rasd:AddressOnParent>
                  <rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>
                  <rasd:Connection>%s</rasd:Connection>
                  <rasd:Description>%s ethernet adapter on &quot;%3$s&quot;</rasd:Description>
                  <rasd:ElementName>Network adapter %d</rasd:ElementName>
                  <rasd:InstanceID>%d</rasd:InstanceID>
                  <rasd:ResourceSubType>%4$s</rasd:ResourceSubType>
                  <rasd:ResourceType>10</rasd:ResourceType>
                  <vmw:Config ovf:required="false" vmw:key="wakeOnLanEnabled" vmw:value="false"/>
                </Item>
          """
              .formatted(nic.mac(), nic.unit() + 6, nic.network(), subType, i + 1, instance++));
    }
    xml.append(
        """
              <vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="%s"/>
              <vmw:Config ovf:required="false" vmw:key="bootOptions.efiSecureBootEnabled" vmw:value="false"/>
            </VirtualHardwareSection>
          </VirtualSystem>
        </Envelope>
        """
            .formatted(facts.firmware()));
    return xml.toString();
  }
}
