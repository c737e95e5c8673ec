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
 * Objects and labels follow charts/vmimport-operator/docs/COMPAT.md ("What an import makes in
 * Harvester"). Ours are added beside them: every object an import makes carries its uid ({@code
 * vmimport.io/import-uid}), and the target finds, adopts and deletes objects by that uid only,
 * never by the import's name (which a new import may reuse). A VM name held by an object the import
 * did not make is a {@code CONFLICT}; image and volume names held so are passed over. The converted
 * disks leave scratch as soon as Harvester has imported every image.
 */
package io.vmimport.target.harvester;
