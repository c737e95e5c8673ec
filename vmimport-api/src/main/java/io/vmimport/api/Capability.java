package io.vmimport.api;

/**
 * Optional abilities a source provider declares. Core never relies on an undeclared capability; a
 * request that needs one fails with {@link ErrorCode#NOT_SUPPORTED}.
 */
public enum Capability {
  /** The guest OS can be asked to shut down (VMware Tools, ACPI). */
  GUEST_SHUTDOWN,
  /**
   * {@link io.vmimport.api.source.PowerControl#powerOff} is a hard power-off. Without it, {@code
   * powerOff} is the source's ordinary stop (which may itself ask the guest first).
   */
  HARD_POWER_OFF,
  /**
   * Disks can be exported while the VM runs (snapshot based). Without it, exporting a running VM
   * fails with {@link ErrorCode#NOT_SUPPORTED} at {@code begin}, {@code prepare} or {@code open}.
   */
  EXPORT_POWERED_ON,
  /** Only changed blocks can be exported after a first full copy. */
  CHANGED_BLOCK_TRACKING,
  /** Several disks of one VM can be transferred at the same time. */
  PARALLEL_DISK_EXPORT
}
