package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.gcgserve.pruners.ImageRgb;

/**
 * What a {@link DjlGenerationSession}'s prefill holds between its pieces, all in {@link #scope}:
 * the next layer's input, its RoPE tables and causal mask, the live tokens, and the next pruning
 * point.
 */
final class PrefillState {
  final NDManager scope;
  final ImageRgb input;
  final PrefillSlots slots;
  NDArray hidden;
  NDList rope;
  NDArray mask;
  int nextPrune;

  PrefillState(
      NDManager scope,
      ImageRgb input,
      PrefillSlots slots,
      NDArray hidden,
      NDList rope,
      NDArray mask) {
    this.scope = scope;
    this.input = input;
    this.slots = slots;
    this.hidden = hidden;
    this.rope = rope;
    this.mask = mask;
  }
}
