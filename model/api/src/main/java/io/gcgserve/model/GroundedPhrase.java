package io.gcgserve.model;

/**
 * A phrase of the caption with its segmentation mask.
 *
 * @param index zero-based order among this caption's phrases
 * @param phrase phrase text between {@code <p>} and {@code </p>}, trimmed
 * @param charStart offset of the phrase in the caption text streamed so far (UTF-16 units)
 * @param charEnd end offset, exclusive
 * @param mask the mask at the request image's original size
 */
public record GroundedPhrase(
    int index, String phrase, int charStart, int charEnd, BinaryMask mask) {}
