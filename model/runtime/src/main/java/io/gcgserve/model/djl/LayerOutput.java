package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import org.jspecify.annotations.Nullable;

/**
 * Output of one LLM decoder layer ({@link GcgNetwork#layer}): what prefill carries to the next
 * layer, what the KV cache keeps, and what a pruner reads.
 *
 * @param hidden layer output {@code (B, T, d)}
 * @param keys this layer's keys for the whole attended sequence {@code (B, h, S, dh)}, past
 *     included: the new KV cache
 * @param values this layer's values, like {@code keys}
 * @param probe mean-over-heads attention of the probe rows to every key {@code (rows, S)} (batch
 *     0), or null when no rows were asked for
 */
public record LayerOutput(NDArray hidden, NDArray keys, NDArray values, @Nullable NDArray probe) {}
