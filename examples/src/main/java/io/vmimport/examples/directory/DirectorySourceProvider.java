package io.vmimport.examples.directory;

import io.vmimport.api.Capability;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.SourceProvider;
import io.vmimport.api.source.SourceSession;
import java.util.Set;

/**
 * A source provider of kind {@code directory}, written as a third party would write one: VMs are
 * sub-folders of a local folder, each with a {@code vm.json} and its disk files.
 *
 * <pre>
 * &lt;path&gt;/
 *   .credentials          optional "username:password"; when present, sources must match it
 *   web-01/
 *     vm.json             {"id", "cpus", "coresPerSocket", "memoryMiB", "firmware", "secureBoot",
 *                          "tpm", "description", "guestOs", "disks": [{"file", "bus", "bootOrder"}],
 *                          "nics": [{"mac", "model", "network"}]}
 *     power               optional "on" or "off" (absent: off)
 *     disk0.raw           disk files: .qcow2 and .vmdk by extension, anything else raw
 *     .export-lease       present while an export runs: the artifact this source leaves behind
 * </pre>
 *
 * Source settings: {@code path}, the folder (required). Credentials: {@code username} and {@code
 * password}, checked only when the folder has a {@code .credentials} file.
 */
public final class DirectorySourceProvider implements SourceProvider {
  public static final String KIND = "directory";

  private static final Set<Capability> CAPABILITIES =
      Set.of(Capability.GUEST_SHUTDOWN, Capability.HARD_POWER_OFF, Capability.PARALLEL_DISK_EXPORT);

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public Set<Capability> capabilities() {
    return CAPABILITIES;
  }

  @Override
  public SourceSession open(SourceSpec source) {
    if (!KIND.equals(source.kind())) {
      throw new VmImportException(
          ErrorCode.INTERNAL,
          "source "
              + source.namespace()
              + "/"
              + source.name()
              + " of kind '"
              + source.kind()
              + "' was given to the '"
              + KIND
              + "' provider");
    }
    return new DirectorySession(SourceFolder.open(source));
  }
}
