package io.vmimport.core;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.source.SourceArtifact;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What an import has finished so far, so that a re-run after a crash skips it, and what its export
 * holds on the source, so that a re-run after a crash removes it.
 *
 * @param importUid the uid of the import that finished the disks ({@link
 *     io.vmimport.api.model.ImportRef#uid()}); empty in checkpoints written before it was recorded.
 *     Another import of the same namespace and name never reuses them.
 * @param disks finished disks by the source disk's key
 * @param sourceArtifacts what the running export has created on the source and not removed yet,
 *     oldest first (empty when no export runs, or it ended cleanly)
 * @param guestConverted what the guest conversion of {@code disks} said when it converted them (the
 *     GuestConverted condition's message); empty when they are as exported. A disk finished again
 *     clears it: that disk is unconverted.
 */
public record Checkpoint(
    String importUid,
    Map<String, FinishedDisk> disks,
    List<SourceArtifact> sourceArtifacts,
    String guestConverted) {
  public static final Checkpoint EMPTY = new Checkpoint("", Map.of(), List.of());

  /**
   * A disk converted and written to the target, and what it was exported from: a disk key alone
   * ({@code VirtualLsiLogicController0:0}, {@code 2000}) is the same on most VMs, so a re-run for
   * another VM, or another source, must not take this file for its own disk.
   *
   * @param path the converted file
   * @param sizeBytes its length, to recognise a file changed or truncated since
   * @param source the source's endpoint as {@link io.vmimport.core.internal.SourceIdentity} names
   *     it; empty in checkpoints written before it was recorded
   * @param vmId the provider's id of the VM ({@link io.vmimport.api.model.SourceVm#id()}); empty
   *     when not recorded
   * @param capacityBytes the source disk's virtual size when it was exported
   */
  public record FinishedDisk(
      String diskKey, String path, long sizeBytes, String source, String vmId, long capacityBytes) {
    public FinishedDisk {
      requireNonNull(diskKey, "diskKey is null");
      requireNonNull(path, "path is null");
      // checkpoints written before the origin was recorded have none; such a disk never matches
      source = source == null ? "" : source;
      vmId = vmId == null ? "" : vmId;
    }

    /**
     * What differs between where this disk was exported from and where {@code other} comes from, as
     * {@code "VM id 'vm-42' (now 'vm-43')"}; empty when it is the same source disk.
     */
    public List<String> differences(FinishedDisk other) {
      if (source.isEmpty() && vmId.isEmpty()) {
        // written by a version that did not record it: nothing proves it is the same disk
        return List.of("where it was exported from is not recorded");
      }
      List<String> differences = new ArrayList<>();
      if (!source.equals(other.source)) {
        differences.add(differs("source", source, other.source));
      }
      if (!vmId.equals(other.vmId)) {
        differences.add(differs("VM id", vmId, other.vmId));
      }
      if (!diskKey.equals(other.diskKey)) {
        differences.add(differs("disk key", diskKey, other.diskKey));
      }
      if (capacityBytes != other.capacityBytes) {
        differences.add(
            "capacity " + capacityBytes + " bytes (now " + other.capacityBytes + " bytes)");
      }
      return List.copyOf(differences);
    }

    private static String differs(String what, String recorded, String now) {
      return what
          + " "
          + (recorded.isEmpty() ? "not recorded" : "'" + recorded + "'")
          + " (now '"
          + now
          + "')";
    }
  }

  public Checkpoint {
    // checkpoints written before the uid was recorded have none
    importUid = importUid == null ? "" : importUid;
    disks = Map.copyOf(requireNonNull(disks, "disks is null"));
    // checkpoints written before artifacts were recorded have none
    sourceArtifacts = sourceArtifacts == null ? List.of() : List.copyOf(sourceArtifacts);
    // nor had those written before conversions were recorded
    guestConverted = guestConverted == null ? "" : guestConverted;
  }

  public Checkpoint(
      String importUid, Map<String, FinishedDisk> disks, List<SourceArtifact> sourceArtifacts) {
    this(importUid, disks, sourceArtifacts, "");
  }

  public Checkpoint(String importUid, Map<String, FinishedDisk> disks) {
    this(importUid, disks, List.of());
  }

  /** A checkpoint of the import {@code importUid} with nothing finished yet. */
  public static Checkpoint of(String importUid) {
    return new Checkpoint(importUid, Map.of(), List.of());
  }

  /** This checkpoint with {@code disk} finished (as exported: the conversion record goes). */
  public Checkpoint withDisk(FinishedDisk disk) {
    Map<String, FinishedDisk> copy = new HashMap<>(disks);
    copy.put(disk.diskKey(), disk);
    return new Checkpoint(importUid, copy, sourceArtifacts, "");
  }

  /** This checkpoint without the disk of {@code diskKey} (and so without the conversion record). */
  public Checkpoint withoutDisk(String diskKey) {
    Map<String, FinishedDisk> copy = new HashMap<>(disks);
    copy.remove(diskKey);
    return new Checkpoint(importUid, copy, sourceArtifacts, "");
  }

  public Checkpoint withSourceArtifacts(List<SourceArtifact> artifacts) {
    return new Checkpoint(importUid, disks, artifacts, guestConverted);
  }

  /**
   * This checkpoint with the guest on {@code converted} converted: those disks as they are now
   * (their length changed), and what the conversion said.
   */
  public Checkpoint withGuestConverted(List<FinishedDisk> converted, String message) {
    Map<String, FinishedDisk> copy = new HashMap<>(disks);
    converted.forEach(disk -> copy.put(disk.diskKey(), disk));
    return new Checkpoint(importUid, copy, sourceArtifacts, requireNonNull(message));
  }
}
