package io.gcgserve.eval;

import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.FinishReason;
import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.ModelInfo;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.data.Grounding;
import io.gcgserve.model.data.Scene;
import io.gcgserve.model.data.SceneGenerator;
import io.gcgserve.model.data.SceneVocabulary;
import io.gcgserve.model.data.Split;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.flops.Flops;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test double of a GCG model: recognises the synthetic scenes it was given and answers with their
 * ground-truth caption and masks, degraded by how many visual tokens the request's pruner kept
 * (masks shifted right by up to 6 pixels, the last phrase dropped below 30% kept), so that the
 * benchmark's tables have something to compare. The pruner really runs, on a view whose attention
 * favours the tokens of the image's left half.
 */
final class OracleCaptioner implements GroundedCaptioner {

  static final ModelGeometry GEOMETRY = new ModelGeometry(4, 6, 6, 32, 64);

  private final Map<Integer, Scene> scenes = new HashMap<>();
  private final int size;
  final AtomicInteger generations = new AtomicInteger();

  OracleCaptioner(long seed, int size, Split split, int count) {
    this.size = size;
    SceneGenerator generator = new SceneGenerator(seed, size);
    for (int index = 0; index < count; index++) {
      Scene scene = generator.generate(split, index);
      scenes.put(Arrays.hashCode(scene.image().rgb()), scene);
    }
  }

  @Override
  public ModelInfo info() {
    return new ModelInfo("oracle", GEOMETRY, size, 512, SceneVocabulary.PROMPT);
  }

  @Override
  public int promptTokens(String prompt) {
    return 12;
  }

  @Override
  public GenerationResult generate(GenerationRequest request, GenerationListener listener) {
    generations.incrementAndGet();
    Scene scene = scenes.get(Arrays.hashCode(request.image().rgb()));
    if (scene == null) {
      throw new IllegalArgumentException("unknown image");
    }
    int[] perLayer = prune(request.pruner(), request.image());
    int kept = perLayer[perLayer.length - 1];
    double keptFraction = (double) kept / GEOMETRY.visualTokens();
    int shift = (int) Math.round((1 - keptFraction) * 6);
    List<GroundedPhrase> phrases = new ArrayList<>();
    List<Grounding> groundings = scene.groundings();
    int count = keptFraction < 0.3 ? groundings.size() - 1 : groundings.size();
    for (int g = 0; g < count; g++) {
      Grounding grounding = groundings.get(g);
      phrases.add(
          new GroundedPhrase(
              g,
              grounding.phrase(),
              grounding.start(),
              grounding.end(),
              shifted(grounding.mask(), shift)));
    }
    PrefillReport prefill =
        new PrefillReport(
            12,
            GEOMETRY.visualTokens(),
            perLayer,
            Flops.ratio(
                perLayer,
                GEOMETRY.visualTokens(),
                GEOMETRY.hiddenSize(),
                GEOMETRY.intermediateSize()),
            1.0,
            0.1);
    return new GenerationResult(
        scene.caption(),
        phrases,
        prefill,
        scene.caption().split(" ").length,
        2.0,
        FinishReason.END_OF_SEQUENCE);
  }

  private static int[] prune(TokenPruner pruner, ImageRgb image) {
    int[] live = new int[GEOMETRY.visualTokens()];
    for (int i = 0; i < live.length; i++) {
      live[i] = i;
    }
    int[] perLayer = new int[GEOMETRY.layers()];
    int[] after = pruner.pruneAfterLayers();
    int next = 0;
    for (int layer = 0; layer < GEOMETRY.layers(); layer++) {
      perLayer[layer] = live.length;
      if (next < after.length && after[next] == layer) {
        float[] attention = new float[live.length];
        for (int i = 0; i < live.length; i++) {
          int column = live[i] % GEOMETRY.gridWidth();
          attention[i] = (GEOMETRY.gridWidth() - column) + 0.01f * (live[i] % 7);
        }
        KeepSet keep =
            pruner.prune(
                new PruningSnapshot(
                    layer, GEOMETRY.gridHeight(), GEOMETRY.gridWidth(), live, attention, image));
        live = keep.keptVisualTokens();
        next++;
      }
    }
    return perLayer;
  }

  private static BinaryMask shifted(BinaryMask mask, int shift) {
    BitSet pixels = new BitSet(mask.width() * mask.height());
    for (int p = mask.pixels().nextSetBit(0); p >= 0; p = mask.pixels().nextSetBit(p + 1)) {
      int x = p % mask.width() + shift;
      if (x < mask.width()) {
        pixels.set(p - p % mask.width() + x);
      }
    }
    return new BinaryMask(mask.width(), mask.height(), pixels, 1f);
  }

  @Override
  public void close() {}
}
