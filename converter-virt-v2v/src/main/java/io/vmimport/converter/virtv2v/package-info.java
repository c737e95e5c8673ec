/**
 * Guest conversion with {@code virt-v2v-in-place}: {@link
 * io.vmimport.converter.virtv2v.VirtV2vConverter} converts a qcow2 overlay on each exported disk
 * and commits the overlays only when the conversion succeeded.
 */
package io.vmimport.converter.virtv2v;
