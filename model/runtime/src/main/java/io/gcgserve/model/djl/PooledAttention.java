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
 * whole slots, every position past a row's filled length masked out, {@code end} being one past the
 * highest slot a row of the step uses. Slots below it that are not in the step (prefilling,
 * prefilled ahead of a free decode row, or left out) are computed and thrown away: the pool hands
 * out the lowest free slots, so they are few. Slots above it are not read at all, which matters
 * when the requests prefilled ahead hold as many slots as the decoding ones.
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
  private final List<List<Group>> groups;
  private final @Nullable NDArray[] order;

  private PooledAttention(
      int[][] slots, int[][] lengths, List<List<Group>> groups, @Nullable NDArray[] order) {
    this.slots = slots;
    this.lengths = lengths;
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
    return new PooledAttention(slots, lengths, groups, order);
  }

  private static Group group(
      NDManager scope, KvPool.ClassPool pool, int[] rows, int batch, int[] slots, int[] lengths) {
    int capacity = pool.capacity();
    int end = 0;
    for (int row : rows) {
      end = Math.max(end, slots[row] + 1);
    }
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

  /** How many slots the step's op reads in {@code layer}, over every class it uses. */
  int slotsRead(int layer) {
    return groups.get(layer).stream().mapToInt(Group::end).sum();
  }

  /**
   * Layer {@code layer}'s attention: writes {@code keys} and {@code values} {@code (B, h, 1, dh)}
   * into the rows' caches, then returns the heads' context {@code (B, h, 1, dh)} of {@code queries}
   * (pre-scaled).
   */
  NDArray attend(int layer, NDArray queries, NDArray keys, NDArray values) {
    List<Group> layerGroups = groups.get(layer);
    for (Group group : layerGroups) {
      write(layer, group, keys, values);
    }
    NDManager scope = queries.getManager();
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

  /**
   * Writes the group's rows' new keys and values at their caches' next positions with one indexed
   * write: the class's array {@code (2, slots, h, capacity, dh)} seen as {@code (2 * slots * h *
   * capacity, dh)} rows, of which each head of each row's key and value is one. One op whatever the
   * batch size, where writing row by row costs two ops per row and layer.
   */
  private void write(int layer, Group group, NDArray keys, NDArray values) {
    NDArray kv = group.pool().array();
    Shape shape = kv.getShape();
    long slotCount = shape.get(1);
    long heads = shape.get(2);
    long capacity = shape.get(3);
    long headDim = shape.get(4);
    int[] rows = group.rows();
    long[] at = new long[2 * rows.length * (int) heads];
    int next = 0;
    for (int which = 0; which < 2; which++) {
      for (int row : rows) {
        long base = (which * slotCount + slots[layer][row]) * heads;
        for (long head = 0; head < heads; head++) {
          at[next++] = (base + head) * capacity + lengths[layer][row];
        }
      }
    }
    NDManager scope = keys.getManager();
    NDArray rowIndex = group.rowOfSlot() == null ? null : scope.create(toLongs(rows));
    NDArray k = rowIndex == null ? keys : keys.get(rowIndex);
    NDArray v = rowIndex == null ? values : values.get(rowIndex);
    NDArray written = NDArrays.concat(new NDList(k, v), 0).reshape(at.length, headDim);
    // a view of the pool's array: the write lands in it
    NDArray flat = kv.reshape(2 * slotCount * heads * capacity, headDim);
    flat.attach(scope);
    flat.set(new NDIndex("{}", scope.create(at)), written);
  }

  private static long[] toLongs(int[] values) {
    return Arrays.stream(values).asLongStream().toArray();
  }
}
