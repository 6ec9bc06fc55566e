package io.gcgserve.engine;

import io.gcgserve.model.GenerationSession;

/** One admitted request in the {@link Engine}: its session, its sink, the bytes it reserves. */
final class Admitted {
  final GenerationSession session;
  final GenerationSink sink;
  final long reserved;

  /**
   * Set once its session is closed and its sink told: by the engine thread, or by the prefill lane
   * for a request in its hands that it ended on cancellation, which the engine thread reads only
   * after collecting the request from the lane (or after the lane stopped).
   */
  boolean released;

  /**
   * Set once its prefill ended and what it made was handed out: from then on it takes decode steps;
   * engine thread only.
   */
  boolean prefilled;

  Admitted(GenerationSession session, GenerationSink sink, long reserved) {
    this.session = session;
    this.sink = sink;
    this.reserved = reserved;
  }
}
