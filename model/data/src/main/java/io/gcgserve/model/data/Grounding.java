package io.gcgserve.model.data;

import io.gcgserve.model.BinaryMask;

/**
 * One grounded phrase of a scene's caption.
 *
 * @param phrase phrase text, e.g. {@code small red striped star}
 * @param start offset of the phrase in the plain caption (markers removed)
 * @param end end offset, exclusive
 * @param mask visible pixels of the phrase's object or background
 */
public record Grounding(String phrase, int start, int end, BinaryMask mask) {}
