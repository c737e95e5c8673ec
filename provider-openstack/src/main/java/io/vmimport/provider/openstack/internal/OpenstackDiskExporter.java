package io.vmimport.provider.openstack.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.ReleaseStep;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.UnownedArtifact;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts exports of stopped servers ({@link OpenstackExportSession}) and releases what the exports
 * of dead processes left in the cloud.
 */
final class OpenstackDiskExporter implements DiskExporter {
  private final CloudConnection cloud;
  private final OpenstackPowerControl power;

  OpenstackDiskExporter(CloudConnection cloud, OpenstackPowerControl power) {
    this.cloud = requireNonNull(cloud, "cloud is null");
    this.power = requireNonNull(power, "power is null");
  }

  @Override
  public ExportSession begin(SourceVm vm, ArtifactOwner owner) {
    PowerState state = power.state(vm);
    if (state != PowerState.OFF) {
      throw new VmImportException(
          ErrorCode.NOT_SUPPORTED,
          "server '"
              + vm.name()
              + "' is "
              + state
              + "; stop it first: exporting a running server is not supported");
    }
    return new OpenstackExportSession(cloud, vm, owner);
  }

  /**
   * Deletes, as far as the cloud allows now, the snapshots, volumes and images an export for {@code
   * owner} left in the cloud when its process died, newest first; one already gone counts as
   * deleted. Each is read first: only one whose {@code vmimport_import_uid} metadata is the owner's
   * uid is deleted, as the list comes from a checkpoint that anyone who can edit the import can
   * write. What the cloud is still busy with is handed back, with what is older, for a later step.
   */
  @Override
  public ReleaseStep releaseStep(List<SourceArtifact> leftovers, ArtifactOwner owner) {
    List<UnownedArtifact> unowned = new ArrayList<>();
    List<CloudArtifacts.Artifact> artifacts = new ArrayList<>();
    for (SourceArtifact leftover : leftovers) {
      Optional<CloudArtifacts.Artifact> artifact = CloudArtifacts.Artifact.parse(leftover);
      if (artifact.isPresent()) {
        artifacts.add(artifact.get());
      } else {
        unowned.add(
            new UnownedArtifact(
                leftover, "an OpenStack export makes snapshots, volumes and images only"));
      }
    }
    CloudArtifacts.Pass pass =
        CloudArtifacts.removeNewestFirst(cloud, artifacts, Optional.of(owner));
    unowned.addAll(pass.unowned());
    if (pass.busy().isPresent()) {
      return ReleaseStep.pending(
          pass.left().stream().map(CloudArtifacts.Artifact::toSource).toList(),
          unowned,
          CloudArtifacts.STATUS_POLL,
          pass.busy().get());
    }
    if (!pass.failed().isEmpty()) {
      throw new VmImportException(
          ErrorCode.CLEANUP_FAILED,
          "these remain in the source cloud from an earlier export of "
              + owner
              + "; delete them by hand: "
              + CloudArtifacts.describe(pass.failed())
              + (unowned.isEmpty() ? "" : "; left in place as not this import's: " + unowned));
    }
    return ReleaseStep.done(unowned);
  }
}
