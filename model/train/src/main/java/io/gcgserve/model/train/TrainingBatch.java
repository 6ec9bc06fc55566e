package io.gcgserve.model.train;

import io.gcgserve.pruners.ImageRgb;

/**
 * The tensors of one training batch as flat CPU arrays, built by {@link BatchBuilder} before any
 * NDArray exists, so that the step's native scope only holds what the forward pass needs.
 *
 * <p>Row indices into the sequence count over the whole batch: row {@code i * L + p} is position
 * {@code p} of sample {@code i} in a sequence {@code [BOS] [visual] prompt caption} of length
 * {@code L}.
 *
 * @param images one image per sample, at the model's input size
 * @param textIds prompt and caption token ids, {@code (batch, textLength)}, padded
 * @param textLength prompt length plus the longest caption (with its {@code [EOS]})
 * @param targets caption token ids, {@code (batch, targetLength)}, padded
 * @param targetMask 1 where {@code targets} holds a caption token, 0 on padding
 * @param targetLength the longest caption (with its {@code [EOS]})
 * @param segRows sequence row of the input slot of every {@code [SEG]} of the batch
 * @param segSamples sample of every {@code [SEG]}
 * @param segTargets soft mask of every {@code [SEG]} at the grounding size, {@code (S, G, G)}
 * @param visualWordTargets per visual token, the coverage-weighted words of the phrases over its
 *     patch, {@code (batch, tokens, vocabulary)}; empty when the visual-word loss is off
 * @param regionPooling per grounded region, coverage weights summing to 1 over the batch's visual
 *     tokens, {@code (R, batch * tokens)}
 * @param regionTargets per grounded region, its phrase's words each weighted {@code 1 / words},
 *     {@code (R, vocabulary)}
 * @param regionWordCounts per grounded region, how many distinct words its phrase has
 * @param phraseTargets indices into {@code targets} of the words inside phrases (and their {@code
 *     </p>})
 * @param glanceRows sequence row of every state that predicts an in-phrase target and glances
 * @param glanceSamples sample of every glance row; rows come grouped by sample
 * @param glanceBoxes the (jittered) box each glance row looks at, four floats per row
 * @param glanceMaskRows indices into {@code glanceRows} of the one state per phrase that also
 *     learns the phrase's mask
 * @param glanceTargets soft mask of every glance mask row at the grounding size
 */
record TrainingBatch(
    ImageRgb[] images,
    long[] textIds,
    int textLength,
    long[] targets,
    float[] targetMask,
    int targetLength,
    long[] segRows,
    long[] segSamples,
    float[] segTargets,
    float[] visualWordTargets,
    float[] regionPooling,
    float[] regionTargets,
    int[] regionWordCounts,
    long[] phraseTargets,
    long[] glanceRows,
    int[] glanceSamples,
    float[] glanceBoxes,
    long[] glanceMaskRows,
    float[] glanceTargets) {

  /** Examples in the batch. */
  int batchSize() {
    return images.length;
  }

  /** Length of the prompt that precedes every caption. */
  int promptLength() {
    return textLength - targetLength;
  }
}
