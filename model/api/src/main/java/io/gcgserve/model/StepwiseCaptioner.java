package io.gcgserve.model;

import java.util.List;

/**
 * A {@link GroundedCaptioner} whose generations can be driven piece by piece and whose decode steps
 * can be batched across requests: what the serving engine schedules. {@link #generate} is one
 * session run to its end on the calling thread.
 */
public interface StepwiseCaptioner extends GroundedCaptioner {

  /**
   * Opens a session for {@code request}; the caller closes it.
   *
   * @throws InvalidRequestException when the request does not fit the model (the message is safe to
   *     show to a client)
   */
  GenerationSession openSession(GenerationRequest request);

  /**
   * One decode step of every session in {@code sessions}, computed as one batch: each feeds its
   * last token through its KV cache, decodes a mask when that token is a {@code [SEG]}, glances
   * while a phrase is open, and chooses its next token. A batched greedy step gives every session
   * exactly what a step of that session alone gives.
   *
   * @param sessions distinct sessions opened by this captioner, past their prefill, not finished
   * @param timings where the step's time is added, per phase
   * @return each session's events, index-aligned with {@code sessions}
   * @throws IllegalArgumentException for a session this captioner did not open, or one not ready to
   *     step
   */
  List<StepEvents> decode(List<GenerationSession> sessions, StepTimings timings);

  @Override
  default GenerationResult generate(GenerationRequest request, GenerationListener listener) {
    try (GenerationSession session = openSession(request)) {
      return runToEnd(session, listener, new StepTimings());
    }
  }

  /**
   * Runs {@code session} alone from wherever it is to its end, delivering events to {@code
   * listener} on the calling thread, and returns its result.
   */
  default GenerationResult runToEnd(
      GenerationSession session, GenerationListener listener, StepTimings timings) {
    while (session.isPrefilling()) {
      long start = System.nanoTime();
      StepEvents events = session.advancePrefill();
      timings.add(StepTimings.Phase.PREFILL, System.nanoTime() - start);
      if (events != null) {
        events.deliverTo(listener);
      }
    }
    List<GenerationSession> one = List.of(session);
    while (!session.isFinished()) {
      decode(one, timings).get(0).deliverTo(listener);
    }
    return session.result();
  }
}
