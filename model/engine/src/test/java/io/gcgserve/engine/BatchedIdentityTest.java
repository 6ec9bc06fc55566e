package io.gcgserve.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.StepwiseCaptioner;
import io.gcgserve.model.TokenDelta;
import io.gcgserve.model.data.SceneGenerator;
import io.gcgserve.model.data.Split;
import io.gcgserve.model.djl.GcgModels;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.builtin.BuiltInPruners;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Batching changes nothing a client sees: every request that the engine runs in mixed batches
 * (every built-in pruner, several images, different lengths, joining and leaving as they finish)
 * gets exactly the events, tokens and mask pixels that the same request run alone gets.
 */
class BatchedIdentityTest {

  private static final int IMAGES = 4;
  private static final int MAX_NEW_TOKENS = 48;

  /** Records the events as lines, masks by area and pixel hash. */
  private static final class Lines implements GenerationSink {
    final List<String> lines = new ArrayList<>();
    final java.util.concurrent.CompletableFuture<GenerationResult> done =
        new java.util.concurrent.CompletableFuture<>();

    @Override
    public void onPrefill(PrefillReport report) {
      lines.add("prefill " + Arrays.toString(report.visualTokensPerLayer()));
    }

    @Override
    public void onToken(TokenDelta delta) {
      lines.add("token " + delta.index() + " " + delta.tokenId());
    }

    @Override
    public void onGroundedPhrase(GroundedPhrase phrase) {
      lines.add(
          "phrase "
              + phrase.phrase()
              + " "
              + phrase.mask().area()
              + " "
              + phrase.mask().pixels().hashCode());
    }

    @Override
    public boolean canTakeStep() {
      return true;
    }

    @Override
    public void onFinished(GenerationResult result) {
      done.complete(result);
    }

    @Override
    public void onFailed(Throwable failure) {
      done.completeExceptionally(failure);
    }
  }

  @Test
  void everyRequestGetsWhatItGetsAlone() throws Exception {
    PrunerRegistry registry = BuiltInPruners.registry();
    SceneGenerator scenes = new SceneGenerator(2024, 336);
    try (StepwiseCaptioner model = (StepwiseCaptioner) GcgModels.loadBundled("cpu")) {
      List<GenerationRequest> requests = new ArrayList<>();
      for (int image = 0; image < IMAGES; image++) {
        // pdrop twice: by default, as its reference (renumbered positions, ranked by the next
        // layer), so rows of per-layer positions share batches with the rest, and as this
        // project served it before (original positions, its own layer's ranking)
        for (String configuration : List.of("none", "fastv", "pdrop", "pdrop-earlier", "altp")) {
          String pruner = configuration.replace("-earlier", "");
          Map<String, String> parameters = new java.util.HashMap<>();
          if (!pruner.equals("none")) {
            parameters.put("keep_ratio", image % 2 == 0 ? "0.1" : "0.5");
          }
          if (configuration.endsWith("-earlier")) {
            parameters.put("positions", "keep");
            parameters.put("ranking", "own");
          }
          TokenPruner created =
              registry.require(pruner).create(parameters, model.info().geometry());
          requests.add(
              new GenerationRequest(
                  scenes.generate(Split.VAL, image).image(),
                  "",
                  created,
                  // different budgets, so that requests leave the batch at different steps
                  GenerationOptions.greedy(MAX_NEW_TOKENS - 7 * (requests.size() % 4)),
                  () -> false));
        }
      }
      List<List<String>> alone = new ArrayList<>();
      for (GenerationRequest request : requests) {
        Lines lines = new Lines();
        StepwiseCaptioner.class.cast(model).generate(request, lines);
        alone.add(lines.lines);
      }
      List<Lines> batched = new ArrayList<>();
      Engine engine =
          new Engine(model, new EngineLimits(6, requests.size(), 1L << 30, 1_500, true, 2));
      engine.start();
      try {
        for (GenerationRequest request : requests) {
          Lines lines = new Lines();
          engine.submit(request, lines);
          batched.add(lines);
        }
        for (Lines lines : batched) {
          lines.done.get();
        }
        EngineStats stats = engine.stats();
        assertThat((double) stats.decodeRows() / stats.decodeSteps())
            .as("mean decode batch")
            .isGreaterThan(3);
      } finally {
        engine.close();
      }
      long phrases = 0;
      for (int i = 0; i < requests.size(); i++) {
        assertThat(batched.get(i).lines).as("request %d", i).isEqualTo(alone.get(i));
        phrases += alone.get(i).stream().filter(line -> line.startsWith("phrase")).count();
      }
      assertThat(phrases).as("masks were compared").isGreaterThan(requests.size());
    }
  }
}
