package io.gcgserve.model;

import org.jspecify.annotations.Nullable;

/**
 * One request's generation, driven from outside in small pieces so that one thread can interleave
 * many requests: {@link #advancePrefill} until {@link #isPrefilling} turns false (the encoders,
 * then one LLM layer per call, with the pruner's work between layers), then decode steps through
 * {@link StepwiseCaptioner#decode} (one step of many sessions at once) until {@link #isFinished},
 * then {@link #result} and {@link #close}.
 *
 * <p>Cancellation: the request's {@link GenerationRequest#cancellation()} flag is read before every
 * prefill piece and once per decode step, so a cancelled request stops within one piece of work. A
 * session is used by one thread at a time.
 */
public interface GenerationSession extends AutoCloseable {

  /** The request this session runs. */
  GenerationRequest request();

  /** True until the prefill ended (with its first token) or the request was cancelled during it. */
  boolean isPrefilling();

  /**
   * Tokens that the next prefill piece processes: the visual tokens for the encoders' piece, the
   * tokens present in the layer for a layer's piece. A scheduler spends a per-iteration budget of
   * these; it is a cost estimate, not a promise.
   *
   * @throws IllegalStateException when the prefill is over
   */
  int nextPrefillCost();

  /**
   * Runs the next piece of the prefill.
   *
   * @return null while more pieces remain; when the prefill ended, its report and, unless the first
   *     token ended the generation, that token; {@link StepEvents#NONE} when the request was found
   *     cancelled (the session is then finished with {@link FinishReason#CANCELLED})
   * @throws IllegalStateException when the prefill is over or the session is closed
   */
  @Nullable StepEvents advancePrefill();

  /** Whether the generation ended: {@link #result} is ready and no more work may be asked. */
  boolean isFinished();

  /**
   * Ends a generation that has not finished as {@link FinishReason#CANCELLED}, without more work;
   * for a scheduler that finds the request cancelled, or its deadline passed, between steps.
   */
  void cancel();

  /**
   * The finished generation. For a request cancelled during its prefill, the report covers the
   * layers that ran.
   *
   * @throws IllegalStateException before the generation finished
   */
  GenerationResult result();

  /**
   * An upper bound of the bytes this session holds at its largest (its KV cache at the prompt plus
   * {@code max_new_tokens}, unpruned, and the per-image arrays masks read): what a scheduler
   * reserves when it admits the request.
   */
  long reservedBytes();

  /** Frees everything the session holds; it cannot be used afterwards. Idempotent. */
  @Override
  void close();
}
