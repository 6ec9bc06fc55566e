package io.gcgserve.model.djl;

import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.TokenDelta;
import org.jspecify.annotations.Nullable;

/**
 * What one call of {@link GenerationSession#prefill} or {@link GenerationSession#step} produced, in
 * the order a listener must see it. The session returns events instead of calling a listener so
 * that whoever drives it (one request's loop, or a scheduler stepping many sessions) decides where
 * and when they are delivered.
 *
 * @param prefill the prefill's report; only from {@link GenerationSession#prefill}
 * @param phrase the phrase that the {@code [SEG]} fed in this step closed, with its mask, or null
 * @param token the token generated, or null when the step ended the generation without one (end of
 *     sequence, cancellation, or the token budget spent on a {@code [SEG]} whose mask came last)
 */
public record StepEvents(
    @Nullable PrefillReport prefill, @Nullable GroundedPhrase phrase, @Nullable TokenDelta token) {

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
