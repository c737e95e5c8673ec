package io.vmimport.target.harvester;

import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.vmimport.target.harvester.internal.HarvesterKeys;
import java.util.Map;

/** How Harvester stores a VirtualMachineImage: {@code spec.backend} of the image. */
public enum ImageBackend {
  /** A Longhorn v1 backing image; each VM disk needs its own PVC created from it. */
  BACKING_IMAGE("backingimage"),
  /** A CDI DataVolume; the image's own PVC is the VM disk. */
  CDI("cdi");

  private final String wireValue;

  ImageBackend(String wireValue) {
    this.wireValue = wireValue;
  }

  public String wireValue() {
    return wireValue;
  }

  /**
   * Longhorn v1 storage classes get backing images, everything else CDI. A Longhorn class without a
   * {@code dataEngine} parameter is v1: that is Longhorn's default (Harvester's stock {@code
   * harvester-longhorn} class sets none).
   */
  public static ImageBackend forStorageClass(StorageClass storageClass) {
    Map<String, String> parameters =
        storageClass.getParameters() == null ? Map.of() : storageClass.getParameters();
    boolean longhorn = HarvesterKeys.LONGHORN_PROVISIONER.equals(storageClass.getProvisioner());
    String dataEngine = parameters.getOrDefault("dataEngine", "v1");
    return longhorn && dataEngine.equals("v1") ? BACKING_IMAGE : CDI;
  }
}
