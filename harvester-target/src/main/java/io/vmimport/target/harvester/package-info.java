/**
 * The Harvester side of an import.
 *
 * <ul>
 *   <li>{@link io.vmimport.target.harvester.HarvesterTarget}: VirtualMachineImages downloaded from
 *       the embedded {@link io.vmimport.target.harvester.ImageServer}, PVCs for the backing-image
 *       backend, the KubeVirt VirtualMachine; preflight lookups of networks and storage classes.
 *   <li>{@link io.vmimport.target.harvester.OfflineHarvesterTarget}: without a cluster, the disks
 *       plus the same objects as {@code manifests.yaml} and a README saying how to upload.
 * </ul>
 *
 * Objects and labels follow ../shared/COMPAT.md ("Objects created in Harvester").
 */
package io.vmimport.target.harvester;
