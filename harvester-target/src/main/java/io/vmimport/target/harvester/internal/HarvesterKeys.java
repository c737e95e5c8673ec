package io.vmimport.target.harvester.internal;

/** Label, annotation and API names shared with Harvester and the Go vm-import-controller. */
public final class HarvesterKeys {
  public static final String IMPORTED_LABEL = "migration.harvesterhci.io/imported";
  public static final String IMAGE_DISPLAY_NAME_LABEL = "harvesterhci.io/imageDisplayName";
  public static final String STORAGE_CLASS_ANNOTATION = "harvesterhci.io/storageClassName";
  public static final String IMAGE_ID_ANNOTATION = "harvesterhci.io/imageId";
  public static final String VM_NAME_LABEL = "harvesterhci.io/vmName";
  public static final String DESCRIPTION_ANNOTATION = "field.cattle.io/description";

  /**
   * Our additions (charts/vmimport-operator/docs/COMPAT.md: new labels, never renamed ones). The
   * import's name, for people and tools looking for an import's objects; not proof of anything, as
   * a name comes back.
   */
  public static final String IMPORT_LABEL = "vmimport.io/import";

  /**
   * The import's uid: what the target selects, adopts and deletes by. An import deleted and created
   * again under the same name has another uid, so it never takes the first one's objects.
   */
  public static final String IMPORT_UID_LABEL = "vmimport.io/import-uid";

  /** Set on what an import made once its VM ran: kept when the import is deleted. */
  public static final String COMPLETED_ANNOTATION = "vmimport.io/completed";

  public static final String DISK_LABEL = "vmimport.io/disk";
  public static final String ATTEMPT_LABEL = "vmimport.io/attempt";

  public static final String IMAGE_API_VERSION = "harvesterhci.io/v1beta1";
  public static final String IMAGE_KIND = "VirtualMachineImage";
  public static final String VM_API_VERSION = "kubevirt.io/v1";
  public static final String VM_KIND = "VirtualMachine";
  public static final String NAD_API_VERSION = "k8s.cni.cncf.io/v1";
  public static final String NAD_KIND = "NetworkAttachmentDefinition";
  public static final String IMPORT_API_VERSION = "migration.harvesterhci.io/v1beta1";
  public static final String IMPORT_KIND = "VirtualMachineImport";

  public static final String LONGHORN_PROVISIONER = "driver.longhorn.io";

  private HarvesterKeys() {}
}
