package io.vmimport.api.model;

import io.vmimport.api.WireValues;

/** Disk image formats, named as {@code qemu-img} names them. */
public enum DiskFormat {
  RAW("raw"),
  QCOW2("qcow2"),
  /** Any VMDK variant: monolithicSparse, monolithicFlat, streamOptimized. */
  VMDK("vmdk"),
  /** Microsoft VHD. */
  VPC("vpc"),
  VHDX("vhdx");

  private final String id;

  DiskFormat(String id) {
    this.id = id;
  }

  /** The format's name as {@code qemu-img -f/-O} takes it; also the usual file extension. */
  public String id() {
    return id;
  }

  public static DiskFormat parse(String value, String field) {
    return WireValues.parse(DiskFormat.class, DiskFormat::id, value, field);
  }
}
