package io.gcgserve.eval;

import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.ModelInfo;
import io.gcgserve.model.data.Split;
import java.util.concurrent.atomic.AtomicInteger;

/** Builds {@link OracleCaptioner}s for tests in other packages, counting their generations. */
public final class OracleCaptionerAccess {

  private OracleCaptionerAccess() {}

  /** An oracle over scenes 0..count-1 of {@code split} (seed 2024, the CLI's default). */
  public static GroundedCaptioner create(
      int size, Split split, int count, AtomicInteger generations) {
    OracleCaptioner oracle = new OracleCaptioner(2024, size, split, count);
    return new GroundedCaptioner() {
      @Override
      public ModelInfo info() {
        return oracle.info();
      }

      @Override
      public int promptTokens(String prompt) {
        return oracle.promptTokens(prompt);
      }

      @Override
      public GenerationResult generate(GenerationRequest request, GenerationListener listener) {
        generations.incrementAndGet();
        return oracle.generate(request, listener);
      }

      @Override
      public void close() {}
    };
  }
}
