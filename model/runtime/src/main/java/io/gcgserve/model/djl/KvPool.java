package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Every open session's KV cache, in one array per layer and capacity class {@code (2, slots, h,
 * capacity, dh)} (keys at index 0, values at 1), so that a decode step attends for all the rows of
 * a class in one batched op over the class's first slots. A layer's prefill takes one slot of the
 * class that holds what the layer kept plus every token the request may still generate, rounded up
 * to a multiple of {@link #GRANULE} (a pruned layer takes a smaller class); the session gives its
 * slots back when it closes.
 *
 * <p>Why classes of fixed capacity: a row's attention then has the same shapes whatever else is in
 * the batch and wherever its slot is, which keeps its arithmetic, and so its tokens, independent of
 * the batch. Padding rows to the batch's longest cache would not: the matrix kernels round
 * differently for different lengths.
 *
 * <p>Slots are handed out lowest first, so the live ones stay near the front and a step reads
 * little beyond them. When every slot of a class is taken its array is reallocated with twice the
 * slots and the old contents copied over; arrays never shrink, so a class holds at most twice the
 * peak number of its slots taken at once. The arrays live in the pool's own manager, a child of the
 * model's.
 *
 * <p>Thread-safe: reads and writes of slots (prefill, decode steps, zeroing a slot taken) run under
 * a shared lock, growth under the exclusive one, so a prefill on one thread takes and fills its
 * slots while a decode step runs on another. A thread must not take a slot while it holds the
 * shared lock.
 */
final class KvPool {

  /** Capacities are multiples of this many positions. */
  static final int GRANULE = 128;

  private static final int INITIAL_SLOTS = 4;

  private final NDManager manager;
  private final int heads;
  private final int headDim;
  private final int maxPositions;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<Long, ClassPool> classes = new HashMap<>();

  KvPool(NDManager modelManager, GcgConfig config) {
    this.manager = modelManager.newSubManager();
    this.heads = config.heads();
    this.headDim = config.headDim();
    this.maxPositions = config.maxPositions();
  }

  /** The capacity of the class that holds {@code positions}. */
  int capacityFor(int positions) {
    if (positions < 1 || positions > maxPositions) {
      throw new IllegalArgumentException(
          positions + " positions do not fit the model's context of " + maxPositions);
    }
    return Math.min(maxPositions, (positions + GRANULE - 1) / GRANULE * GRANULE);
  }

  /** Bytes of one slot of {@code capacity} positions, keys and values. */
  long slotBytes(int capacity) {
    return 2L * heads * capacity * headDim * Float.BYTES;
  }

  /** The pool's manager, for tests of what it holds. */
  NDManager manager() {
    return manager;
  }

  /** Slots taken now, over every layer and class. */
  synchronized int takenSlots() {
    return classes.values().stream().mapToInt(c -> c.used.cardinality()).sum();
  }

  /** One class's slot, taken by a session's layer. */
  record Slot(ClassPool pool, int index) {}

  /**
   * Takes the lowest free slot of {@code layer}'s class for {@code positions}, growing the class
   * when none is free; its contents are zero.
   */
  Slot acquire(int layer, int positions) {
    int capacity = capacityFor(positions);
    ClassPool pool;
    int index;
    synchronized (this) {
      pool =
          classes.computeIfAbsent(
              (long) layer << 32 | capacity, key -> new ClassPool(layer, capacity));
      index = pool.used.nextClearBit(0);
      pool.used.set(index);
    }
    // a slot within the array is zeroed under the shared lock, beside running decode steps (which
    // never read a slot they do not own for a row they keep); only growth moves the arrays
    lock.readLock().lock();
    try {
      if (index < pool.slots) {
        pool.zero(index);
        return new Slot(pool, index);
      }
    } finally {
      lock.readLock().unlock();
    }
    lock.writeLock().lock();
    try {
      if (index >= pool.slots) {
        pool.grow(Math.max(INITIAL_SLOTS, pool.slots * 2));
      } else {
        pool.zero(index); // another thread grew the class meanwhile
      }
      return new Slot(pool, index);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Gives a slot back. */
  synchronized void release(Slot slot) {
    if (!slot.pool().used.get(slot.index())) {
      throw new IllegalStateException("KV slot " + slot.index() + " is not taken");
    }
    slot.pool().used.clear(slot.index());
  }

  /** Runs {@code work} under the shared lock: the arrays do not move while it runs. */
  <T> T read(Supplier<T> work) {
    lock.readLock().lock();
    try {
      return work.get();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Frees the arrays. */
  void close() {
    manager.close();
  }

  /** The slots of one layer and capacity. */
  final class ClassPool {
    private final int layer;
    private final int capacity;
    private final BitSet used = new BitSet();
    private int slots;
    private @Nullable NDArray kv;

    private ClassPool(int layer, int capacity) {
      this.layer = layer;
      this.capacity = capacity;
    }

    int layer() {
      return layer;
    }

    int capacity() {
      return capacity;
    }

    /** The array {@code (2, slots, h, capacity, dh)}; use it under {@link #read}. */
    NDArray array() {
      if (kv == null) {
        throw new IllegalStateException("no slot of this class was ever taken");
      }
      return kv;
    }

    private void zero(int index) {
      // a number given to set() becomes an array in the target's manager, which lives as long as
      // the pool: set from an array of our own scope instead
      try (NDManager scope = manager.newSubManager()) {
        array().set(new NDIndex().addAllDim().addIndices(index), scope.zeros(new Shape(1)));
      }
    }

    private void grow(int newSlots) {
      NDArray grown = manager.zeros(new Shape(2, newSlots, heads, capacity, headDim));
      if (kv != null) {
        grown.set(new NDIndex().addAllDim().addSliceDim(0, slots), kv);
        kv.close();
      }
      kv = grown;
      slots = newSlots;
    }
  }
}
