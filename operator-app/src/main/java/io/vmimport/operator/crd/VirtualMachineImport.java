package io.vmimport.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** vm-import-controller's VirtualMachineImport. */
@Group("migration.harvesterhci.io")
@Version("v1beta1")
@Kind("VirtualMachineImport")
@Plural("virtualmachineimports")
@Singular("virtualmachineimport")
@AdditionalPrinterColumn(
    name = "Status",
    type = AdditionalPrinterColumn.Type.STRING,
    jsonPath = ".status.importStatus")
public class VirtualMachineImport
    extends CustomResource<VirtualMachineImportSpec, VirtualMachineImportStatus>
    implements Namespaced {}
