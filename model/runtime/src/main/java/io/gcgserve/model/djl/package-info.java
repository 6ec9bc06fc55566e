/**
 * The GCG model implemented on DJL's NDArray API (PyTorch engine): configuration, safetensors
 * weights, tokenizer, the network's forward passes, and generation with pruning hook points.
 *
 * <p>Weights are plain named NDArrays rather than DJL Blocks, so that one set of functions serves
 * batched training, full prefill with layer-by-layer pruning, and KV-cached decoding.
 */
@NullMarked
package io.gcgserve.model.djl;

import org.jspecify.annotations.NullMarked;
