package io.vmimport.core.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.source.ValidationIssue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The source VMs and target VMs that the running imports of one engine work on. Two imports of one
 * source VM at once would power it off and export it twice; two imports making one target VM would
 * overwrite each other's disks and VM. An import claims both before it changes anything and
 * releases them when it ends, however it ends.
 *
 * <p>Per engine, so per process: two operator processes (or two CLI runs) do not see each other's
 * claims.
 */
public final class RunningImports {
  /**
   * What one import works on.
   *
   * @param sourceVm the source's identity and the provider's VM id
   * @param sourceVmName how messages name the source VM
   * @param targetVm the target namespace and the planned VM name
   */
  public record Work(String sourceVm, String sourceVmName, String targetVm) {
    public Work {
      requireNonNull(sourceVm, "sourceVm is null");
      requireNonNull(sourceVmName, "sourceVmName is null");
      requireNonNull(targetVm, "targetVm is null");
    }
  }

  /** A claim of one run; closing it releases what it claimed. */
  public final class Claim implements AutoCloseable {
    private final ImportRef ref;
    private final Work work;

    private Claim(ImportRef ref, Work work) {
      this.ref = ref;
      this.work = work;
    }

    @Override
    public void close() {
      synchronized (RunningImports.this) {
        sourceVms.remove(work.sourceVm(), this);
        targetVms.remove(work.targetVm(), this);
      }
    }
  }

  private final Map<String, Claim> sourceVms = new HashMap<>();
  private final Map<String, Claim> targetVms = new HashMap<>();

  /** Why {@code ref} cannot work on {@code work} now; empty when nothing clashes. */
  public synchronized List<ValidationIssue> conflicts(ImportRef ref, Work work) {
    List<ValidationIssue> issues = new ArrayList<>();
    Claim source = sourceVms.get(work.sourceVm());
    if (source != null) {
      issues.add(
          ValidationIssue.error(
              ErrorCode.INVALID_SPEC,
              "spec.virtualMachineName",
              "source VM "
                  + work.sourceVmName()
                  + " is already being imported by "
                  + other(ref, source)
                  + "; import a VM once at a time"));
    }
    Claim target = targetVms.get(work.targetVm());
    if (target != null) {
      issues.add(
          ValidationIssue.error(
              ErrorCode.INVALID_SPEC,
              "spec.virtualMachineName",
              "target VM "
                  + work.targetVm()
                  + " is already being created by "
                  + other(ref, target)
                  + "; import into another namespace, or once the other import has ended"));
    }
    return List.copyOf(issues);
  }

  /**
   * Claims {@code work} for {@code ref}'s run.
   *
   * @throws VmImportException {@link ErrorCode#INVALID_SPEC} naming the running import it clashes
   *     with
   */
  public synchronized Claim claim(ImportRef ref, Work work) {
    List<ValidationIssue> issues = conflicts(ref, work);
    if (!issues.isEmpty()) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          String.join("; ", issues.stream().map(ValidationIssue::toString).toList()));
    }
    Claim claim = new Claim(ref, work);
    sourceVms.put(work.sourceVm(), claim);
    targetVms.put(work.targetVm(), claim);
    return claim;
  }

  private static String other(ImportRef ref, Claim claim) {
    return "import "
        + claim.ref
        + (claim.ref.equals(ref) ? " (another run of this same import, still running)" : "");
  }
}
