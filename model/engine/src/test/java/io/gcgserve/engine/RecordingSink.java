package io.gcgserve.engine;

import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.TokenDelta;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** A sink that records what it got and can refuse steps (a slow client). */
class RecordingSink implements GenerationSink {

  final List<String> events = Collections.synchronizedList(new ArrayList<>());
  final CompletableFuture<GenerationResult> finished = new CompletableFuture<>();
  volatile boolean ready = true;
  volatile @Nullable Throwable failure;

  @Override
  public void onPrefill(PrefillReport report) {
    events.add("prefill");
  }

  @Override
  public void onToken(TokenDelta delta) {
    events.add("token" + delta.text());
  }

  @Override
  public void onGroundedPhrase(GroundedPhrase phrase) {
    events.add("phrase " + phrase.phrase());
  }

  @Override
  public boolean canTakeStep() {
    return ready;
  }

  @Override
  public void onFinished(GenerationResult result) {
    finished.complete(result);
  }

  @Override
  public void onFailed(Throwable failure) {
    this.failure = failure;
    finished.completeExceptionally(failure);
  }

  /** Waits for the end; the result, or the failure thrown. */
  GenerationResult await() throws Exception {
    try {
      return finished.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Error error) {
        throw error;
      }
      throw (Exception) cause;
    }
  }

  int tokens() {
    synchronized (events) {
      return (int) events.stream().filter(e -> e.startsWith("token")).count();
    }
  }
}
