package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import io.gcgserve.pruners.QueryRows;
import io.gcgserve.pruners.TokenPruner;
import java.util.BitSet;

/**
 * Which sequence slots are still present during one prefill, and where each came from. Pruning
 * removes visual tokens between layers; this bookkeeping keeps every remaining token's original
 * RoPE position and grid index, so that pruners see grid indices and RoPE never shifts.
 */
final class PrefillSlots {

  private final int suffixLength;

  /** Original position of the token in each slot. */
  private int[] positions;

  /** Grid index of the visual token in each slot, or -1 for text. */
  private int[] slotVisual;

  /** Grid indices of the visual tokens still present, in the order the pruner kept them. */
  private int[] live;

  /** Slots of a sequence {@code <bos>, visualTokens visual tokens, suffixLength text tokens}. */
  PrefillSlots(int sequenceLength, int visualTokens, int suffixLength) {
    this.suffixLength = suffixLength;
    positions = new int[sequenceLength];
    slotVisual = new int[sequenceLength];
    for (int i = 0; i < sequenceLength; i++) {
      positions[i] = i;
      slotVisual[i] = (i >= 1 && i <= visualTokens) ? i - 1 : -1;
    }
    live = new int[visualTokens];
    for (int i = 0; i < visualTokens; i++) {
      live[i] = i;
    }
  }

  /** Original positions of the present slots, for RoPE. */
  int[] positions() {
    return positions;
  }

  /** The RoPE positions of the present slots: their own, or 0.. when the pruner renumbers. */
  int[] ropePositions(TokenPruner.Positions numbering) {
    return numbering == TokenPruner.Positions.RENUMBER
        ? java.util.stream.IntStream.range(0, positions.length).toArray()
        : positions;
  }

  /** Grid indices of the visual tokens still present. */
  int[] live() {
    return live;
  }

  /** The slots whose attention a pruner reads: the last prompt token, or every token after it. */
  int[] queryRows(QueryRows rows) {
    int length = positions.length;
    if (rows == QueryRows.LAST_PROMPT) {
      return new int[] {length - 1};
    }
    // every prompt token after the image
    int[] all = new int[suffixLength];
    for (int i = 0; i < suffixLength; i++) {
      all[i] = length - suffixLength + i;
    }
    return all;
  }

  /** Attention to each live visual token, from a probe {@code (rows, S)} averaged over rows. */
  float[] visualScores(NDArray probe) {
    float[] mean = probe.mean(new int[] {0}).toFloatArray();
    float[] scores = new float[live.length];
    int next = 0;
    for (int slot = 0; slot < slotVisual.length; slot++) {
      if (slotVisual[slot] >= 0) {
        scores[next++] = mean[slot];
      }
    }
    return scores;
  }

  /**
   * Keeps the text slots and the visual tokens {@code kept} (grid indices, each live) and returns
   * the slots to gather, ascending.
   *
   * @throws IllegalStateException when the pruner kept a token that is not live
   */
  int[] keep(int[] kept, int layer) {
    BitSet keepBits = new BitSet();
    BitSet liveBits = new BitSet();
    for (int index : live) {
      liveBits.set(index);
    }
    for (int index : kept) {
      if (!liveBits.get(index)) {
        throw new IllegalStateException(
            "pruner kept visual token "
                + index
                + " at layer "
                + layer
                + ", which is not live there");
      }
      keepBits.set(index);
    }
    int[] slots = new int[positions.length - live.length + kept.length];
    int next = 0;
    for (int slot = 0; slot < positions.length; slot++) {
      if (slotVisual[slot] < 0 || keepBits.get(slotVisual[slot])) {
        slots[next++] = slot;
      }
    }
    int[] newPositions = new int[slots.length];
    int[] newSlotVisual = new int[slots.length];
    for (int i = 0; i < slots.length; i++) {
      newPositions[i] = positions[slots[i]];
      newSlotVisual[i] = slotVisual[slots[i]];
    }
    positions = newPositions;
    slotVisual = newSlotVisual;
    live = kept.clone();
    return slots;
  }
}
