package io.gcgserve.eval;

import io.gcgserve.eval.metrics.AttributeAccuracy;
import io.gcgserve.eval.metrics.GcgScores;
import io.gcgserve.eval.metrics.GroundingErrors;
import java.util.List;
import java.util.Optional;

/**
 * The scores and costs of one configuration over the evaluation set.
 *
 * @param configuration what ran
 * @param scores the GCG metrics
 * @param flopsRatio mean Eq. 5 FLOPs ratio of the prefills
 * @param visualTokensKept mean visual tokens reaching the last layer
 * @param prefillMillis mean prefill wall time
 * @param decodeMillis mean decode wall time
 * @param groundingErrors where the predicted masks go (found, duplicate, near miss, miss)
 * @param attributes attribute accuracy of the matched phrases, where the dataset defines attributes
 * @param perImage each image's share of AP50, mIoU and recall, in COCOeval's image order (for the
 *     bootstrap intervals)
 */
public record ConfigurationResult(
    Configuration configuration,
    GcgScores scores,
    double flopsRatio,
    double visualTokensKept,
    double prefillMillis,
    double decodeMillis,
    GroundingErrors groundingErrors,
    Optional<AttributeAccuracy> attributes,
    List<ImageStat> perImage) {

  /** Copies the per-image figures. */
  public ConfigurationResult {
    perImage = List.copyOf(perImage);
  }
}
