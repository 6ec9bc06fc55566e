package io.gcgserve.model.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Slots of the KV pool: classes, reuse, zeroing, growth, and taking one beside a step. */
class KvPoolTest {

  private NDManager manager;
  private KvPool pool;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
    // tiny model: 2 heads of 16, context 256
    pool = new KvPool(manager, TinyModels.config(30));
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void capacitiesAreMultiplesOfTheGranuleUpToTheContext() {
    assertThat(pool.capacityFor(1)).isEqualTo(128);
    assertThat(pool.capacityFor(128)).isEqualTo(128);
    assertThat(pool.capacityFor(129)).isEqualTo(256);
    assertThat(pool.capacityFor(256)).isEqualTo(256);
    assertThatThrownBy(() -> pool.capacityFor(257)).hasMessageContaining("context of 256");
    assertThatThrownBy(() -> pool.capacityFor(0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(pool.slotBytes(128)).isEqualTo(2L * 2 * 128 * 16 * Float.BYTES);
  }

  @Test
  void theLowestFreeSlotIsReusedAndComesBackZeroed() {
    KvPool.Slot a = pool.acquire(0, 100);
    KvPool.Slot b = pool.acquire(0, 100);
    assertThat(a.index()).isZero();
    assertThat(b.index()).isEqualTo(1);
    assertThat(b.pool()).isSameAs(a.pool());
    write(a, 7f);
    pool.release(a);
    assertThatThrownBy(() -> pool.release(a)).hasMessageContaining("not taken");
    KvPool.Slot again = pool.acquire(0, 90);
    assertThat(again.index()).isZero();
    assertThat(sum(again)).isZero();
    assertThat(pool.takenSlots()).isEqualTo(2);
  }

  @Test
  void layersAndCapacitiesHaveTheirOwnSlots() {
    KvPool.Slot small = pool.acquire(0, 100);
    KvPool.Slot large = pool.acquire(0, 200);
    KvPool.Slot otherLayer = pool.acquire(1, 100);
    assertThat(large.pool()).isNotSameAs(small.pool());
    assertThat(otherLayer.pool()).isNotSameAs(small.pool());
    assertThat(large.pool().capacity()).isEqualTo(256);
    assertThat(List.of(small.index(), large.index(), otherLayer.index())).containsOnly(0);
  }

  @Test
  void growingKeepsWhatTheTakenSlotsHold() {
    KvPool.Slot[] slots = new KvPool.Slot[4];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = pool.acquire(2, 50);
      write(slots[i], i + 1);
    }
    NDArray before = slots[0].pool().array();
    KvPool.Slot fifth = pool.acquire(2, 50);
    assertThat(fifth.index()).isEqualTo(4);
    assertThat(fifth.pool().array()).isNotSameAs(before);
    assertThat(fifth.pool().array().getShape().get(1)).isEqualTo(8);
    for (int i = 0; i < slots.length; i++) {
      assertThat(sum(slots[i])).isEqualTo((i + 1) * cells(slots[i]));
    }
    assertThat(sum(fifth)).isZero();
  }

  @Test
  void aSlotWithinTheArrayIsTakenWhileAStepReadsThePoolAndGrowthWaitsForIt() throws Exception {
    for (int i = 0; i < 3; i++) {
      pool.acquire(3, 50);
    }
    CountDownLatch reading = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService step = Executors.newSingleThreadExecutor();
    try {
      // a decode step holding the shared lock until told
      Future<?> held =
          step.submit(
              () ->
                  pool.read(
                      () -> {
                        reading.countDown();
                        awaitQuietly(release);
                        return null;
                      }));
      assertThat(reading.await(10, TimeUnit.SECONDS)).isTrue();
      // the fourth slot exists: taken and zeroed beside the step (the prefill lane's case)
      KvPool.Slot fourth = pool.acquire(3, 50);
      assertThat(fourth.index()).isEqualTo(3);
      // the fifth needs the array to grow, which must wait for the step
      ExecutorService lane = Executors.newSingleThreadExecutor();
      try {
        Future<KvPool.Slot> fifth = lane.submit(() -> pool.acquire(3, 50));
        Thread.sleep(100);
        assertThat(fifth).isNotDone();
        release.countDown();
        held.get(10, TimeUnit.SECONDS);
        assertThat(fifth.get(10, TimeUnit.SECONDS).index()).isEqualTo(4);
        assertThat(fourth.pool().array().getShape().get(1)).isEqualTo(8);
      } finally {
        lane.shutdownNow();
      }
    } finally {
      release.countDown();
      step.shutdownNow();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void write(KvPool.Slot slot, float value) {
    try (NDManager scope = slot.pool().array().getManager().newSubManager()) {
      slot.pool()
          .array()
          .set(new NDIndex().addAllDim().addIndices(slot.index()), scope.create(value));
    }
  }

  private static double sum(KvPool.Slot slot) {
    NDArray array = slot.pool().array();
    try (NDManager scope = array.getManager().newSubManager()) {
      NDArray own = array.get(scope, new NDIndex().addAllDim().addIndices(slot.index()));
      return own.sum().getFloat();
    }
  }

  private static long cells(KvPool.Slot slot) {
    return 2L * 2 * slot.pool().capacity() * 16;
  }
}
