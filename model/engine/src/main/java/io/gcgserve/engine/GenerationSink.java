package io.gcgserve.engine;

import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationResult;

/**
 * Where the engine delivers one request's events and its end. Every method is called on the
 * engine's thread, which runs every request, with one exception: the end ({@link #onFinished}) of a
 * request cancelled while the prefill lane held it comes on the lane's thread. Calls for one
 * request never overlap, and each sees what the previous one did. None may block, and none should
 * throw (a sink that throws fails its own request, nothing else).
 */
public interface GenerationSink extends GenerationListener {

  /** The request left the queue and joined the batch; its prefill starts this iteration. */
  default void onStarted() {}

  /**
   * Whether the consumer can take one more step's events (at most a phrase and a token) now. A
   * request whose sink says no is left out of decode steps until it says yes (and {@link
   * Engine#wake} is called): a slow client slows only its own generation.
   */
  boolean canTakeStep();

  /**
   * The generation ended: finished, or cancelled ({@link
   * io.gcgserve.model.FinishReason#CANCELLED}), by the request's cancellation flag or by {@link
   * Engine#close}. Called once, and nothing after it.
   */
  void onFinished(GenerationResult result);

  /**
   * The generation failed: {@link io.gcgserve.model.InvalidRequestException} for a request the
   * model cannot run, {@link RejectedException} when the engine stopped, {@link OutOfMemoryError}
   * when a piece or step ran out of memory (the requests of that step fail, the engine serves on),
   * anything else is a fault. Called once instead of {@link #onFinished}.
   */
  void onFailed(Throwable failure);
}
