package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One decode step's attention over the {@link KvPool}. For each layer the rows' new keys and values
 * are written at their caches' next positions; then, for each capacity class the step's rows use in
 * that layer, the queries of the class's slots {@code [0, end)} attend in one batched op over their
 * whole slots, every position past a row's filled length masked out. Slots of the class that are
 * not in the step (prefilling, or left out) are computed and thrown away: the pool hands out the
 * lowest free slots, so they are few.
 *
 * <p>Built once per step, in the step's manager, under the pool's shared lock.
 */
final class PooledAttention {

  /** The step's rows that use one class in one layer. */
  private record Group(
      KvPool.ClassPool pool,
      int[] rows,
      int end,
      NDArray bias,
      @Nullable NDArray rowOfSlot,
      @Nullable NDArray slotOfRow) {}

  private final int[][] slots;
  private final int[][] lengths;
  private final KvPool.ClassPool[][] pools;
  private final List<List<Group>> groups;
  private final @Nullable NDArray[] order;

  private PooledAttention(
      int[][] slots,
      int[][] lengths,
      KvPool.ClassPool[][] pools,
      List<List<Group>> groups,
      @Nullable NDArray[] order) {
    this.slots = slots;
    this.lengths = lengths;
    this.pools = pools;
    this.groups = groups;
    this.order = order;
  }

  /**
   * The step's attention for {@code sessions}.
   *
   * @param scope the step's manager
   */
  static PooledAttention of(NDManager scope, List<DjlGenerationSession> sessions) {
    int batch = sessions.size();
    int layers = sessions.get(0).cache().layers();
    int[][] slots = new int[layers][batch];
    int[][] lengths = new int[layers][batch];
    KvPool.ClassPool[][] pools = new KvPool.ClassPool[layers][batch];
    List<List<Group>> groups = new ArrayList<>(layers);
    @Nullable NDArray[] order = new NDArray[layers];
    for (int layer = 0; layer < layers; layer++) {
      Map<KvPool.ClassPool, List<Integer>> rowsOf = new IdentityHashMap<>();
      for (int i = 0; i < batch; i++) {
        KvCache cache = sessions.get(i).cache();
        KvPool.Slot slot = cache.slot(layer);
        int length = cache.length(layer);
        if (length >= slot.pool().capacity()) {
          throw new IllegalStateException(
              "KV cache of row " + i + " is full at " + length + " positions");
        }
        slots[layer][i] = slot.index();
        lengths[layer][i] = length;
        pools[layer][i] = slot.pool();
        rowsOf.computeIfAbsent(slot.pool(), p -> new ArrayList<>()).add(i);
      }
      List<Group> layerGroups = new ArrayList<>(rowsOf.size());
      int[] concatenated = new int[batch];
      int at = 0;
      for (Map.Entry<KvPool.ClassPool, List<Integer>> entry : rowsOf.entrySet()) {
        int[] rows = entry.getValue().stream().mapToInt(Integer::intValue).toArray();
        layerGroups.add(group(scope, entry.getKey(), rows, batch, slots[layer], lengths[layer]));
        for (int row : rows) {
          concatenated[row] = at++;
        }
      }
      groups.add(layerGroups);
      boolean inOrder = true;
      for (int i = 0; i < batch; i++) {
        inOrder &= concatenated[i] == i;
      }
      order[layer] =
          inOrder ? null : scope.create(Arrays.stream(concatenated).asLongStream().toArray());
    }
    return new PooledAttention(slots, lengths, pools, groups, order);
  }

  private static Group group(
      NDManager scope, KvPool.ClassPool pool, int[] rows, int batch, int[] slots, int[] lengths) {
    int capacity = pool.capacity();
    int end = pool.end();
    // (end, 1, 1, capacity): 0 where a row may attend, -inf past its length; slots not in the step
    // attend everywhere, harmlessly
    float[] bias = new float[end * capacity];
    long[] rowOfSlot = new long[end];
    long[] slotOfRow = new long[rows.length];
    boolean identity = end == rows.length && rows.length == batch;
    for (int r = 0; r < rows.length; r++) {
      int slot = slots[rows[r]];
      // the new key goes to position `length`, so the row attends [0, length]
      Arrays.fill(
          bias,
          slot * capacity + lengths[rows[r]] + 1,
          (slot + 1) * capacity,
          Float.NEGATIVE_INFINITY);
      rowOfSlot[slot] = rows[r];
      slotOfRow[r] = slot;
      identity &= slot == r && rows[r] == r;
    }
    return new Group(
        pool,
        rows,
        end,
        scope.create(bias, new Shape(end, 1, 1, capacity)),
        identity ? null : scope.create(rowOfSlot),
        identity ? null : scope.create(slotOfRow));
  }

  /**
   * Layer {@code layer}'s attention: writes {@code keys} and {@code values} {@code (B, h, 1, dh)}
   * into the rows' caches, then returns the heads' context {@code (B, h, 1, dh)} of {@code queries}
   * (pre-scaled).
   */
  NDArray attend(int layer, NDArray queries, NDArray keys, NDArray values) {
    int batch = slots[layer].length;
    NDList newKeys = LanguageModel.rows(keys, batch);
    NDList newValues = LanguageModel.rows(values, batch);
    for (int i = 0; i < batch; i++) {
      // indices built, not parsed: this runs rows × layers times per step
      NDArray kv = pools[layer][i].array();
      int slot = slots[layer][i];
      int length = lengths[layer][i];
      kv.set(position(0, slot, length), newKeys.get(i).squeeze(0));
      kv.set(position(1, slot, length), newValues.get(i).squeeze(0));
    }
    NDManager scope = queries.getManager();
    List<Group> layerGroups = groups.get(layer);
    NDList contexts = new NDList(layerGroups.size());
    for (Group group : layerGroups) {
      NDArray kv = group.pool().array();
      NDArray k = kv.get(scope, new NDIndex().addIndices(0).addSliceDim(0, group.end()));
      NDArray v = kv.get(scope, new NDIndex().addIndices(1).addSliceDim(0, group.end()));
      NDArray q = group.rowOfSlot() == null ? queries : queries.get(group.rowOfSlot());
      NDArray weights = q.matMul(k.transpose(0, 1, 3, 2)).add(group.bias()).softmax(-1);
      NDArray context = weights.matMul(v);
      contexts.add(group.slotOfRow() == null ? context : context.get(group.slotOfRow()));
    }
    NDArray context = contexts.size() == 1 ? contexts.get(0) : NDArrays.concat(contexts, 0);
    NDArray reorder = order[layer];
    return reorder == null ? context : context.get(reorder);
  }

  private static NDIndex position(int which, int slot, int length) {
    return new NDIndex()
        .addIndices(which)
        .addIndices(slot)
        .addAllDim()
        .addSliceDim(length, length + 1);
  }
}
