package io.vmimport.provider.vmware.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.vmware.vim25.InvalidLogin;
import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.ObjectContent;
import com.vmware.vim25.ServiceContent;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualDisk;
import com.vmware.vim25.VirtualMachineBootOptionsBootableDiskDevice;
import com.vmware.vim25.VirtualMachineConfigInfo;
import com.vmware.vim25.VirtualMachinePowerState;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TolerantSoapReaderTest {
  private static final String ENVELOPE_START =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope"
          + " xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
          + " xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\""
          + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>";
  private static final String ENVELOPE_END = "</soapenv:Body></soapenv:Envelope>";

  private static TolerantSoapReader.ReadResult read(String returnType, String body)
      throws Exception {
    String xml = ENVELOPE_START + body + ENVELOPE_END;
    return TolerantSoapReader.read(
        returnType, new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void skipsElementsNewerThanTheModelAndReadsMorefTypeAfterXsiType() throws Exception {
    // vcsim and vCenter 7/8 send vStorageObjectManager and friends; xsi:type comes before type
    var result =
        read(
            "ServiceContent",
            "<RetrieveServiceContentResponse xmlns=\"urn:vim25\"><returnval>"
                + "<rootFolder xsi:type=\"ManagedObjectReference\" type=\"Folder\">group-d1</rootFolder>"
                + "<vStorageObjectManager type=\"VcenterVStorageObjectManager\">VStorageObjectManager</vStorageObjectManager>"
                + "<about><name>VMware vCenter Server</name><apiVersion>8.0.2.0</apiVersion>"
                + "<futureField><nested>1</nested></futureField></about>"
                + "<sessionManager type=\"SessionManager\">SessionManager</sessionManager>"
                + "</returnval></RetrieveServiceContentResponse>");

    ServiceContent content = (ServiceContent) result.value();
    assertThat(content.getRootFolder().getType()).isEqualTo("Folder");
    assertThat(content.getRootFolder().getVal()).isEqualTo("group-d1");
    assertThat(content.getSessionManager().getVal()).isEqualTo("SessionManager");
    assertThat(content.getAbout().getApiVersion()).isEqualTo("8.0.2.0");
  }

  @Test
  void unknownXsiTypeFallsBackToTheDeclaredTypeAndIsKeptInExtras() throws Exception {
    var result =
        read(
            "ObjectContent[]",
            "<RetrievePropertiesResponse xmlns=\"urn:vim25\"><returnval>"
                + "<obj type=\"VirtualMachine\">vm-42</obj>"
                + "<propSet><name>config</name><val xsi:type=\"VirtualMachineConfigInfo\">"
                + "<name>web01</name><firmware>efi</firmware>"
                + "<bootOptions><bootDelay>0</bootDelay><efiSecureBootEnabled>true</efiSecureBootEnabled>"
                + "<bootOrder xsi:type=\"VirtualMachineBootOptionsBootableDiskDevice\"><deviceKey>2001</deviceKey></bootOrder>"
                + "<futureDevice xsi:type=\"VirtualMachineBootOptionsBootableDiskDevice\"><deviceKey>7</deviceKey></futureDevice>"
                + "</bootOptions>"
                + "<hardware><numCPU>2</numCPU><memoryMB>1024</memoryMB>"
                + "<device xsi:type=\"VirtualTPM\"><key>11000</key><endorsementKeyCertificate>AAA=</endorsementKeyCertificate></device>"
                + "<device xsi:type=\"VirtualDisk\"><key>2001</key><capacityInKB>1024</capacityInKB>"
                + "<nativeUnmanagedLinkedClone>false</nativeUnmanagedLinkedClone></device>"
                + "</hardware></val></propSet>"
                + "<propSet><name>runtime.powerState</name><val xsi:type=\"VirtualMachinePowerState\">poweredOn</val></propSet>"
                + "<propSet><name>network</name><val xsi:type=\"ArrayOfManagedObjectReference\">"
                + "<ManagedObjectReference xsi:type=\"ManagedObjectReference\" type=\"Network\">network-7</ManagedObjectReference>"
                + "</val></propSet>"
                + "</returnval></RetrievePropertiesResponse>");

    ObjectContent[] contents = (ObjectContent[]) result.value();
    assertThat(contents).hasSize(1);
    assertThat(contents[0].getObj().getVal()).isEqualTo("vm-42");
    var config = (VirtualMachineConfigInfo) contents[0].getPropSet()[0].getVal();
    assertThat(config.getName()).isEqualTo("web01");
    VirtualDevice[] devices = config.getHardware().getDevice();
    assertThat(devices).hasSize(2);
    assertThat(devices[0].getClass()).isEqualTo(VirtualDevice.class);
    assertThat(devices[0].getKey()).isEqualTo(11000);
    assertThat(result.extras().get(devices[0]).xsiType()).contains("VirtualTPM");
    assertThat(devices[1]).isInstanceOf(VirtualDisk.class);
    assertThat(((VirtualDisk) devices[1]).getCapacityInKB()).isEqualTo(1024);
    var bootExtras = result.extras().get(config.getBootOptions());
    assertThat(bootExtras.fields()).containsEntry("efiSecureBootEnabled", "true");
    assertThat(config.getBootOptions().getBootOrder())
        .singleElement()
        .isInstanceOfSatisfying(
            VirtualMachineBootOptionsBootableDiskDevice.class,
            d -> assertThat(d.getDeviceKey()).isEqualTo(2001));
    // an element the model lacks but whose xsi:type it knows is kept as an object
    assertThat(bootExtras.objects().get("futureDevice"))
        .singleElement()
        .isInstanceOfSatisfying(
            VirtualMachineBootOptionsBootableDiskDevice.class,
            d -> assertThat(d.getDeviceKey()).isEqualTo(7));
    assertThat(contents[0].getPropSet()[1].getVal()).isEqualTo(VirtualMachinePowerState.poweredOn);
    assertThat((ManagedObjectReference[]) contents[0].getPropSet()[2].getVal())
        .extracting(ManagedObjectReference::getType, ManagedObjectReference::getVal)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("Network", "network-7"));
  }

  @Test
  void faultKeepsItsMessageAndType() {
    assertThatThrownBy(
            () ->
                read(
                    "UserSession",
                    "<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
                        + "<faultstring>Cannot complete login due to an incorrect user name or password.</faultstring>"
                        + "<detail><InvalidLoginFault xmlns=\"urn:vim25\" xsi:type=\"InvalidLogin\"></InvalidLoginFault></detail>"
                        + "</soapenv:Fault>"))
        .isInstanceOfSatisfying(
            VimFaultException.class,
            fault -> {
              assertThat(fault.getMessage()).contains("incorrect user name or password");
              assertThat(fault.is(InvalidLogin.class)).isTrue();
              assertThat(fault.fault()).containsInstanceOf(InvalidLogin.class);
            });
  }

  @Test
  void faultOfATypeNewerThanTheModelIsKeptByName() {
    assertThatThrownBy(
            () ->
                read(
                    "void",
                    "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>busy</faultstring>"
                        + "<detail><BrandNewFault xmlns=\"urn:vim25\" xsi:type=\"BrandNew\"><x>1</x></BrandNewFault></detail>"
                        + "</soapenv:Fault>"))
        .isInstanceOfSatisfying(
            VimFaultException.class,
            fault -> {
              assertThat(fault.getMessage()).isEqualTo("busy");
              assertThat(fault.faultType()).isEqualTo("BrandNew");
            });
  }

  @Test
  void emptyResponseOfVoidMethodIsNull() throws Exception {
    assertThat(read("void", "<LogoutResponse xmlns=\"urn:vim25\"></LogoutResponse>").value())
        .isNull();
    assertThat(
            read(
                    "boolean",
                    "<SessionIsActiveResponse xmlns=\"urn:vim25\"><returnval>true</returnval></SessionIsActiveResponse>")
                .value())
        .isEqualTo(true);
  }
}
