/**
 * The serving engine: one thread that runs every admitted request's prefill in pieces and steps all
 * decoding requests together, one batched decode step at a time. See {@link
 * io.gcgserve.engine.Engine}.
 */
@NullMarked
package io.gcgserve.engine;

import org.jspecify.annotations.NullMarked;
