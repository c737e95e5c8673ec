/**
 * Guest conversion: making an imported guest's operating system boot on the target's hardware
 * (virtio disks and NICs), as opposed to converting the format of its disk files ({@link
 * io.vmimport.api.convert}). A {@link io.vmimport.api.guest.GuestConverter} is found with {@link
 * java.util.ServiceLoader}; core decides whether to run it ({@link
 * io.vmimport.api.guest.GuestConversionPolicy}).
 */
package io.vmimport.api.guest;
