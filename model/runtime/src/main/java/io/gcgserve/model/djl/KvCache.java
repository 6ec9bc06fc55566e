package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * One request's KV cache: per layer, a key and a value buffer {@code (1, h, capacity, dh)} filled
 * up to a length. A layer's buffers are allocated when its prefill ran, for the tokens that layer
 * kept plus every token the request may still feed, so decode steps write in place and never copy
 * the cache; a pruned layer's buffers are smaller. The buffers live in the session's manager.
 */
final class KvCache {

  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private final int[] lengths;

  KvCache(NDManager manager, int layers) {
    this.manager = manager;
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
    this.lengths = new int[layers];
  }

  /**
   * Allocates {@code layer}'s buffers with {@code room} positions after the prefill's, and copies
   * the prefill's keys and values {@code (1, h, S, dh)} in.
   */
  void fill(int layer, NDArray prefillKeys, NDArray prefillValues, int room) {
    Shape shape = prefillKeys.getShape();
    int tokens = (int) shape.get(2);
    Shape buffer = new Shape(shape.get(0), shape.get(1), tokens + (long) room, shape.get(3));
    NDIndex prefix = new NDIndex(":, :, :{}, :", tokens);
    keys[layer] = manager.zeros(buffer);
    keys[layer].set(prefix, prefillKeys);
    values[layer] = manager.zeros(buffer);
    values[layer].set(prefix, prefillValues);
    lengths[layer] = tokens;
  }

  NDArray keys(int layer) {
    return keys[layer];
  }

  NDArray values(int layer) {
    return values[layer];
  }

  /** Positions of {@code layer}'s buffers that hold keys and values. */
  int length(int layer) {
    return lengths[layer];
  }

  /** A decode step wrote one more position into {@code layer}'s buffers. */
  void grew(int layer) {
    lengths[layer]++;
  }

  /** Bytes of the buffers allocated so far (they do not grow with steps). */
  long bytes() {
    long bytes = 0;
    for (int layer = 0; layer < keys.length; layer++) {
      if (keys[layer] != null) {
        bytes += byteCount(keys[layer]) + byteCount(values[layer]);
      }
    }
    return bytes;
  }

  static long byteCount(NDArray array) {
    return array.getShape().size() * array.getDataType().getNumOfBytes();
  }
}
