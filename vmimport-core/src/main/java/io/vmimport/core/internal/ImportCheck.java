package io.vmimport.core.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRequest;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmLocator;
import io.vmimport.api.target.ImportTarget;
import io.vmimport.api.target.TargetVm;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The checks of an import before it changes anything: the source's preflight, the source VM and the
 * target VM planned from it, the target's preflight, and what the import would work on.
 */
final class ImportCheck {
  private final ImportRequest request;
  private final ImportTarget target;
  private final Retrier retrier;
  private final String sourceIdentity;

  ImportCheck(ImportRequest request, ImportTarget target, Retrier retrier, String sourceIdentity) {
    this.request = requireNonNull(request, "request is null");
    this.target = requireNonNull(target, "target is null");
    this.retrier = requireNonNull(retrier, "retrier is null");
    this.sourceIdentity = requireNonNull(sourceIdentity, "sourceIdentity is null");
  }

  /** The source VM, the target VM planned for it, and what planning and the target found. */
  record Checked(SourceVm source, TargetVmPlanner.Plan plan, List<ValidationIssue> issues) {
    TargetVm vm() {
      return plan.vm();
    }
  }

  /** The source's checks of the spec; none when the spec skips them. */
  List<ValidationIssue> preflight(SourceSession session) {
    if (request.spec().skipPreflightChecks()) {
      return List.of();
    }
    return retrier.call(
        "preflight of " + request.ref(), () -> session.validator().preflight(request.spec()));
  }

  /** Reads the source VM and plans the target VM, with the issues planning and the target find. */
  Checked plan(SourceSession session) {
    VmLocator locator = VmLocator.of(request.spec());
    SourceVm source =
        retrier.call("looking up VM " + locator, () -> session.inventory().describe(locator));
    TargetVmPlanner.Plan plan = TargetVmPlanner.plan(request, source);
    List<ValidationIssue> issues = new ArrayList<>(plan.issues());
    issues.addAll(retrier.call("target preflight", () -> target.preflight(plan.vm())));
    return new Checked(source, plan, issues);
  }

  /** The source VM and the target VM the import works on, for {@link RunningImports}. */
  RunningImports.Work work(Checked checked) {
    SourceVm source = checked.source();
    return new RunningImports.Work(
        sourceIdentity + " VM " + source.id(),
        "'"
            + source.name()
            + "' ("
            + source.id()
            + ") of "
            + request.source().namespace()
            + "/"
            + request.source().name(),
        request.ref().namespace() + "/" + checked.vm().name());
  }

  static boolean hasErrors(List<ValidationIssue> issues) {
    return issues.stream().anyMatch(ValidationIssue::isError);
  }

  /** Fails with the errors among {@code issues}: their own code when one, else INVALID_SPEC. */
  static void rejectErrors(List<ValidationIssue> issues) {
    List<ValidationIssue> errors = issues.stream().filter(ValidationIssue::isError).toList();
    if (!errors.isEmpty()) {
      ErrorCode code = errors.size() == 1 ? errors.get(0).code() : ErrorCode.INVALID_SPEC;
      throw new VmImportException(
          code, String.join("; ", errors.stream().map(ValidationIssue::toString).toList()));
    }
  }

  /**
   * The issues without the warnings about a field that also has an error: a provider may warn about
   * what core rejects (vSphere's preflight warns of a mapping that matches no NIC, which core makes
   * an error), and the user should read it once.
   */
  static List<ValidationIssue> withoutOverruledWarnings(List<ValidationIssue> issues) {
    Set<String> fieldsInError =
        issues.stream()
            .filter(ValidationIssue::isError)
            .flatMap(issue -> issue.field().stream())
            .collect(Collectors.toSet());
    return issues.stream()
        .filter(
            issue ->
                issue.isError()
                    || issue.field().map(field -> !fieldsInError.contains(field)).orElse(true))
        .toList();
  }
}
