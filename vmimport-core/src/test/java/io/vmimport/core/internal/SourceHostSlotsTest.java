package io.vmimport.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SourceHostSlotsTest {
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    threads.shutdownNow();
  }

  private static ImportRef ref(String name) {
    return new ImportRef("default", name, "uid-" + name);
  }

  @Test
  void neverMoreThanTheLimitHoldOneHostAndAllGetTheirTurn() throws Exception {
    SourceHostSlots slots = new SourceHostSlots(2);
    AtomicInteger holding = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    List<CompletableFuture<Void>> imports = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String name = "vm-" + i;
      imports.add(
          CompletableFuture.runAsync(
              () -> {
                try (SourceHostSlots.Slot slot =
                    slots.acquire("esx-1", ref(name), (host, limit, ahead) -> {})) {
                  most.accumulateAndGet(holding.incrementAndGet(), Math::max);
                  Thread.sleep(30);
                  holding.decrementAndGet();
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              },
              threads));
    }
    CompletableFuture.allOf(imports.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

    assertThat(most.get()).as("exports from esx-1 at once").isEqualTo(2);
    assertThat(slots.holding("esx-1")).isZero();
  }

  @Test
  void waitingImportsGoInTheOrderTheyAskedAndAreToldTheirPlace() throws Exception {
    SourceHostSlots slots = new SourceHostSlots(1);
    SourceHostSlots.Slot first = slots.acquire("esx-1", ref("a"), (host, limit, ahead) -> {});
    List<String> told = Collections.synchronizedList(new ArrayList<>());
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<SourceHostSlots.Slot> b = waitFor(slots, "b", told, order);
    awaitSize(told, 1);
    CompletableFuture<SourceHostSlots.Slot> c = waitFor(slots, "c", told, order);
    awaitSize(told, 2);

    first.close();
    SourceHostSlots.Slot second = b.get(10, TimeUnit.SECONDS);
    awaitSize(told, 3);
    second.close();
    c.get(10, TimeUnit.SECONDS).close();

    assertThat(order).containsExactly("b", "c");
    assertThat(told)
        .containsExactly(
            "b on esx-1: 1 allowed, 0 ahead",
            "c on esx-1: 1 allowed, 1 ahead",
            "c on esx-1: 1 allowed, 0 ahead");
  }

  @Test
  void aCancelWhileWaitingLeavesTheLineAndTheNextGoes() throws Exception {
    SourceHostSlots slots = new SourceHostSlots(1);
    SourceHostSlots.Slot first = slots.acquire("esx-1", ref("a"), (host, limit, ahead) -> {});
    List<String> told = Collections.synchronizedList(new ArrayList<>());
    Thread[] waiter = new Thread[1];
    CompletableFuture<VmImportException> cancelled =
        CompletableFuture.supplyAsync(
            () -> {
              waiter[0] = Thread.currentThread();
              return catchThrowableOfType(
                  VmImportException.class,
                  () -> slots.acquire("esx-1", ref("b"), (h, l, a) -> told.add("b")));
            },
            threads);
    awaitSize(told, 1);
    CompletableFuture<SourceHostSlots.Slot> c = waitFor(slots, "c", told, new ArrayList<>());
    awaitSize(told, 2);

    waiter[0].interrupt(); // what a cancel does to the import's thread
    assertThat(cancelled.get(10, TimeUnit.SECONDS).code()).isEqualTo(ErrorCode.CANCELLED);
    first.close();

    c.get(10, TimeUnit.SECONDS).close();
    assertThat(slots.holding("esx-1")).isZero();
  }

  @Test
  void hostsDoNotWaitForEachOtherAndZeroMeansNoLimit() {
    SourceHostSlots slots = new SourceHostSlots(1);
    List<String> told = new ArrayList<>();
    try (SourceHostSlots.Slot a = slots.acquire("esx-1", ref("a"), (h, l, x) -> told.add(h));
        SourceHostSlots.Slot b = slots.acquire("esx-2", ref("b"), (h, l, x) -> told.add(h))) {
      assertThat(told).isEmpty();
    }
    SourceHostSlots unlimited = new SourceHostSlots(0);
    List<SourceHostSlots.Slot> held = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      held.add(unlimited.acquire("esx-1", ref("vm-" + i), (h, l, x) -> told.add(h)));
    }
    assertThat(told).isEmpty();
    assertThat(unlimited.holding("esx-1")).isEqualTo(50);
    held.forEach(SourceHostSlots.Slot::close);
  }

  private CompletableFuture<SourceHostSlots.Slot> waitFor(
      SourceHostSlots slots, String name, List<String> told, List<String> order) {
    return CompletableFuture.supplyAsync(
        () -> {
          SourceHostSlots.Slot slot =
              slots.acquire(
                  "esx-1",
                  ref(name),
                  (host, limit, ahead) ->
                      told.add(
                          name + " on " + host + ": " + limit + " allowed, " + ahead + " ahead"));
          order.add(name);
          return slot;
        },
        threads);
  }

  private static void awaitSize(List<String> list, int size) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (list.size() < size && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(list).hasSizeGreaterThanOrEqualTo(size);
  }
}
