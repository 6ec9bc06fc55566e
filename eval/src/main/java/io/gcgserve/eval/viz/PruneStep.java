package io.gcgserve.eval.viz;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.altp.Segmentation;
import org.jspecify.annotations.Nullable;

/**
 * One pruning call as it happened: what was live, how it was scored, what was kept, and for ALTP
 * the superpixels that were used.
 *
 * @param layer layer after which the pruner ran
 * @param gridHeight visual token rows
 * @param gridWidth visual token columns
 * @param liveBefore grid indices live when the pruner was called
 * @param scores attention per live token, index-aligned with {@code liveBefore}
 * @param image the image the pruner saw (the model's input size)
 * @param kept what the pruner returned
 * @param segmentation ALTP's superpixels, or null for other pruners
 */
public record PruneStep(
    int layer,
    int gridHeight,
    int gridWidth,
    int[] liveBefore,
    float[] scores,
    ImageRgb image,
    KeepSet kept,
    @Nullable Segmentation segmentation) {

  /** Copies the arrays, which the model may reuse. */
  public PruneStep {
    liveBefore = liveBefore.clone();
    scores = scores.clone();
  }

  @Override
  public int[] liveBefore() {
    return liveBefore.clone();
  }

  @Override
  public float[] scores() {
    return scores.clone();
  }
}
