package io.gcgserve.model;

import org.jspecify.annotations.Nullable;

/**
 * What one piece of a {@link GenerationSession}'s work produced (its prefill's end, or one decode
 * step), in the order a listener must see it. Sessions return events instead of calling a listener
 * so that whoever drives them (one request's loop, or the engine stepping many sessions at once)
 * decides where and when they are delivered.
 *
 * @param prefill the prefill's report; only when the prefill ended
 * @param phrase the phrase that the {@code [SEG]} fed in this step closed, with its mask, or null
 * @param token the token generated, or null when the step ended the generation without one (end of
 *     sequence, cancellation, or the token budget spent on a {@code [SEG]} whose mask came last)
 */
public record StepEvents(
    @Nullable PrefillReport prefill, @Nullable GroundedPhrase phrase, @Nullable TokenDelta token) {

  /**
   * Nothing happened that a listener sees: e.g. the request was cancelled before its prefill ended.
   */
  public static final StepEvents NONE = new StepEvents(null, null, null);

  /** Hands the events to {@code listener}: prefill report, then phrase, then token. */
  public void deliverTo(GenerationListener listener) {
    if (prefill != null) {
      listener.onPrefill(prefill);
    }
    if (phrase != null) {
      listener.onGroundedPhrase(phrase);
    }
    if (token != null) {
      listener.onToken(token);
    }
  }
}
