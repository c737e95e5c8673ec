package io.vmimport.api.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceVm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Providers written for the one-call cleanup keep working; the step forms reach them. */
class CleanupProtocolTest {
  private static final ArtifactOwner OWNER = new ArtifactOwner("uid-1", "default/web");
  private static final SourceArtifact LEASE = new SourceArtifact("lease", "l-1");

  @Test
  void theStepsOfAnExportEndingInOneCallCallItOnceAndAreDone() {
    List<String> calls = new ArrayList<>();
    ExportSession oneCall =
        new PreparedExport() {
          @Override
          public void complete() {
            calls.add("complete");
          }

          @Override
          public void abort() {
            calls.add("abort");
          }
        };

    assertThat(oneCall.completeStep().isDone()).isTrue();
    assertThat(oneCall.abortStep().isDone()).isTrue();
    assertThat(calls).containsExactly("complete", "abort");
  }

  @Test
  void anExportThatImplementsNoEndSaysSo() {
    ExportSession neither = new PreparedExport() {};

    assertThatThrownBy(neither::completeStep)
        .isInstanceOfSatisfying(
            VmImportException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.NOT_SUPPORTED);
              assertThat(e.getMessage()).contains("completeStep()", "complete()");
            });
    assertThatThrownBy(neither::abortStep)
        .isInstanceOfSatisfying(
            VmImportException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_SUPPORTED));
  }

  @Test
  void theReleaseStepOfAOneCallReleaseIsDoneWithWhatItLeft() {
    UnownedArtifact foreign = new UnownedArtifact(LEASE, "another import's");
    List<List<SourceArtifact>> asked = new ArrayList<>();
    DiskExporter oneCall =
        new DiskExporter() {
          @Override
          public ExportSession begin(SourceVm vm, ArtifactOwner owner) {
            throw new AssertionError("this test never calls it");
          }

          @Override
          public List<UnownedArtifact> release(
              List<SourceArtifact> leftovers, ArtifactOwner owner) {
            asked.add(leftovers);
            return List.of(foreign);
          }
        };

    ReleaseStep step = oneCall.releaseStep(List.of(LEASE), OWNER);

    assertThat(step.isDone()).isTrue();
    assertThat(step.unowned()).containsExactly(foreign);
    assertThat(asked).containsExactly(List.of(LEASE));
  }

  @Test
  void aPendingReleaseHasSomethingLeftAndStepsDoNotWaitBackwards() {
    assertThat(
            ReleaseStep.pending(List.of(LEASE), List.of(), Duration.ofSeconds(2), "busy").isDone())
        .isFalse();
    assertThatThrownBy(() -> ReleaseStep.pending(List.of(), List.of(), Duration.ZERO, "busy"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CleanupStep.pending(Duration.ofSeconds(-1), "busy"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** An export with nothing to prepare; what it ends with is up to the test. */
  private abstract static class PreparedExport implements ExportSession {
    @Override
    public Preparation prepare(SourceDisk disk) {
      return Preparation.ready();
    }

    @Override
    public DiskStream open(SourceDisk disk) {
      throw new AssertionError("this test never calls it");
    }
  }
}
