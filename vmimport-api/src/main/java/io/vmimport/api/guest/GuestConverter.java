package io.vmimport.api.guest;

import java.util.Optional;

/**
 * Converts the operating system on a VM's exported disks so that it boots on the target's hardware:
 * drivers for the target's disk bus and NICs in the initramfs, device names in the guest's
 * configuration. Found with {@link java.util.ServiceLoader}; at most one may be on the class path.
 *
 * <p>Both calls block. A cancel ({@link ConversionControl#cancelled()}, or interrupting the calling
 * thread) stops the work and throws {@link io.vmimport.api.VmImportException} with code {@code
 * CANCELLED}. Whatever happens but a {@link GuestConversionResult.Outcome#CONVERTED} result, the
 * disks are left byte for byte as they were.
 */
public interface GuestConverter {
  /** A short name for messages, e.g. {@code virt-v2v}. */
  String name();

  /**
   * Why this converter cannot run on this machine (a tool is not installed, say), with what to do
   * about it; empty when it can.
   */
  Optional<String> unavailable();

  /**
   * Finds the operating system on the disks without changing them.
   *
   * @throws io.vmimport.api.VmImportException {@code CONVERSION_FAILED} when the inspection itself
   *     fails (the message ends with the last lines of the tool's log), {@code TIMEOUT} when it
   *     takes longer than {@link GuestConversionRequest#timeout()}
   */
  GuestInspection inspect(GuestConversionRequest request, ConversionControl control);

  /**
   * Converts the guest on the disks. A failure or a timeout is a result, not an exception: the
   * import may go on with the disks unconverted, which is the caller's decision.
   */
  GuestConversionResult convert(GuestConversionRequest request, ConversionControl control);
}
