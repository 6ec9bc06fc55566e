package io.gcgserve.model;

/**
 * Receives a generation's events on the generating thread, in order: one {@link #onPrefill}, then
 * {@link #onToken} per generated token with {@link #onGroundedPhrase} right after the token that
 * closes a phrase's {@code [SEG]}. Implementations must return quickly. Every method defaults to
 * doing nothing, so a listener overrides only the events it wants.
 */
public interface GenerationListener {

  /** A listener that drops every event, for callers that only want the {@link GenerationResult}. */
  GenerationListener IGNORE = new GenerationListener() {};

  /** Prefill finished: pruning is decided, the first token is about to be produced. */
  default void onPrefill(PrefillReport report) {}

  /** A token was generated; {@code delta.text()} is what it adds to the caption. */
  default void onToken(TokenDelta delta) {}

  /** A {@code [SEG]} was generated and its mask decoded. */
  default void onGroundedPhrase(GroundedPhrase phrase) {}
}
