/**
 * The grounded conversation generation model and its public generation API.
 *
 * <p>{@link io.gcgserve.model.GroundedCaptioner} is what the server and the evaluation call: image
 * + prompt + pruner in, a stream of token deltas and grounded phrases (with masks) out. The DJL
 * implementation lives in {@code io.gcgserve.model.djl}; nothing outside this module sees an
 * NDArray.
 */
@NullMarked
package io.gcgserve.model;

import org.jspecify.annotations.NullMarked;
