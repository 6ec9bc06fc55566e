package io.gcgserve.model;

/**
 * One generated token's contribution to the caption.
 *
 * @param index zero-based position among generated tokens
 * @param tokenId vocabulary id
 * @param text text appended to the caption (may be empty for tokens that render nothing)
 */
public record TokenDelta(int index, int tokenId, String text) {}
