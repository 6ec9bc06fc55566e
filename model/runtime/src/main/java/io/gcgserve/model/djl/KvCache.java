package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import org.jspecify.annotations.Nullable;

/**
 * One request's KV cache: per layer, a slot of the {@link KvPool} and how many of its positions are
 * filled. A layer's prefill takes a slot sized for the tokens that layer kept plus every token the
 * request may still feed (a pruned layer's is smaller) and writes them; each decode step writes one
 * more position in place, so the cache is never copied. The slots are the request's until it
 * closes.
 */
final class KvCache implements AutoCloseable {

  private final KvPool pool;
  private final KvPool.@Nullable Slot[] slots;
  private final int[] lengths;
  private boolean closed;

  KvCache(KvPool pool, int layers) {
    this.pool = pool;
    this.slots = new KvPool.Slot[layers];
    this.lengths = new int[layers];
  }

  /**
   * Takes {@code layer}'s slot and writes the prefill's keys and values {@code (1, h, S, dh)} into
   * it; the layer will take {@code room} more positions.
   */
  void fill(int layer, NDArray prefillKeys, NDArray prefillValues, int room) {
    if (closed || slots[layer] != null) {
      throw new IllegalStateException("layer " + layer + "'s cache is closed or already filled");
    }
    int tokens = (int) prefillKeys.getShape().get(2);
    KvPool.Slot slot = pool.acquire(layer, tokens + room);
    slots[layer] = slot;
    pool.read(
        () -> {
          NDArray kv = slot.pool().array();
          kv.set(prefix(0, slot.index(), tokens), prefillKeys.squeeze(0));
          kv.set(prefix(1, slot.index(), tokens), prefillValues.squeeze(0));
          return null;
        });
    lengths[layer] = tokens;
  }

  private static NDIndex prefix(int which, int slot, int tokens) {
    return new NDIndex().addIndices(which).addIndices(slot).addAllDim().addSliceDim(0, tokens);
  }

  /** Layers of the model. */
  int layers() {
    return lengths.length;
  }

  /** {@code layer}'s slot; the layer's prefill must have run. */
  KvPool.Slot slot(int layer) {
    KvPool.Slot slot = slots[layer];
    if (slot == null) {
      throw new IllegalStateException("layer " + layer + "'s cache was never filled");
    }
    return slot;
  }

  /** Positions of {@code layer}'s slot that hold keys and values. */
  int length(int layer) {
    return lengths[layer];
  }

  /** A decode step wrote one more position into {@code layer}'s slot. */
  void grew(int layer) {
    lengths[layer]++;
  }

  /** Bytes of the slots taken so far; they do not change with steps. */
  long bytes() {
    long bytes = 0;
    for (KvPool.Slot slot : slots) {
      if (slot != null) {
        bytes += pool.slotBytes(slot.pool().capacity());
      }
    }
    return bytes;
  }

  /** Gives the slots back; later calls do nothing. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      for (KvPool.Slot slot : slots) {
        if (slot != null) {
          pool.release(slot);
        }
      }
    }
  }

  static long byteCount(NDArray array) {
    return array.getShape().size() * array.getDataType().getNumOfBytes();
  }
}
