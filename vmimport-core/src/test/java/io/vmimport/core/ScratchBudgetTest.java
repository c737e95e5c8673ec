package io.vmimport.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.core.internal.ScratchBudget;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ScratchBudgetTest {
  private static final long GIB = 1L << 30;

  @Test
  void aDiskThatCanNeverFitFailsAtOnceWithTheNumbers() {
    ScratchBudget budget = new ScratchBudget(10 * GIB, () -> 100 * GIB);

    assertThatThrownBy(() -> budget.reserve("disk-0", 12 * GIB, (needed, free) -> {}))
        .isInstanceOf(VmImportException.class)
        .satisfies(
            e -> assertThat(((VmImportException) e).code()).isEqualTo(ErrorCode.SCRATCH_EXHAUSTED))
        .hasMessageContaining("needs " + 12 * GIB + " bytes")
        .hasMessageContaining("only " + 10 * GIB + " are free")
        .hasMessageContaining("scratch capacity " + 10 * GIB);
  }

  @Test
  void theFileSystemBoundsTheBudgetToo() {
    ScratchBudget budget = new ScratchBudget(0, () -> 3 * GIB);

    assertThatThrownBy(() -> budget.reserve("disk-0", 4 * GIB, (needed, free) -> {}))
        .hasMessageContaining("only " + 3 * GIB + " are free");
  }

  @Test
  void aDiskWaitsForSpaceHeldByAnotherAndIsToldSo() throws Exception {
    ScratchBudget budget = new ScratchBudget(10 * GIB, () -> 100 * GIB);
    ScratchBudget.Reservation first = budget.reserve("disk-0", 7 * GIB, (needed, free) -> {});
    List<long[]> told = new CopyOnWriteArrayList<>();

    CompletableFuture<ScratchBudget.Reservation> second =
        CompletableFuture.supplyAsync(
            () ->
                budget.reserve(
                    "disk-1", 5 * GIB, (needed, free) -> told.add(new long[] {needed, free})));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (told.isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }

    assertThat(told)
        .singleElement()
        .satisfies(t -> assertThat(t).containsExactly(5 * GIB, 3 * GIB));
    assertThat(second).isNotDone();
    first.close();
    second.get(10, TimeUnit.SECONDS).close();
    assertThat(budget.free()).isEqualTo(10 * GIB);
  }
}
