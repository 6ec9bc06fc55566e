package io.gcgserve.model;

/**
 * A loaded GCG model. Thread-safe: concurrent {@link #generate} calls are allowed (each request
 * owns its own NDManager); callers bound concurrency themselves.
 */
public interface GroundedCaptioner extends AutoCloseable {

  /** What the model is: geometry for pruners, input size, defaults. */
  ModelInfo info();

  /**
   * Text tokens a request with {@code prompt} runs through every LLM layer beside the visual ones
   * (blank = the default prompt), as {@link PrefillReport#promptTokens} will report them: what Eq.
   * 5 adds to each layer's token count, so a FLOPs budget can be met exactly before the prefill.
   */
  int promptTokens(String prompt);

  /**
   * Runs one generation, calling {@code listener} on the calling thread as each token and each
   * grounded phrase is produced. Checks {@link GenerationRequest#cancellation()} before every
   * decode step and returns with {@link FinishReason#CANCELLED} when it is set.
   *
   * @throws InvalidRequestException for a request the model cannot run (e.g. a prompt longer than
   *     its context); the message is safe to show to a client. Anything else thrown is a fault
   */
  GenerationResult generate(GenerationRequest request, GenerationListener listener);

  /** Frees native memory. */
  @Override
  void close();
}
