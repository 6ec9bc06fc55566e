package io.gcgserve.model.djl;

import io.gcgserve.model.BinaryMask;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The <em>phrase glance</em> (config {@code phrase_glance}): while the model writes the words of a
 * phrase, each next word is chosen with a look at the region the phrase is about.
 *
 * <p>Why: a shape is where an object's features lie, not which features it has. Read through a mean
 * over its positions (what an attention read gives the LLM), no encoder we trained learned the 8
 * shapes in thousands of scenes, while the same features cut into a 4 × 4 grid over the object's
 * bounding box named the shape at once ({@code ShapeProbe}, MODEL_CARD.md). The glance is that
 * readout inside the model:
 *
 * <ol>
 *   <li>the state that predicts the next word of an open phrase (after {@code <p>} up to and
 *       including the one that predicts {@code </p>}) is decoded into a mask by the same mask
 *       decoder as {@code [SEG]} (training supervises these masks with the phrase's reference
 *       mask);
 *   <li>the box of that mask's region (chosen among the cells no earlier phrase took, when masks
 *       keep one region) is cut into {@value #PARTS} × {@value #PARTS} parts; the grounding
 *       features (never pruned) are averaged over each part, and the parts, with the box's width
 *       and height, are projected to the LLM width;
 *   <li>the projection is added to the final-normed state before the output head. It feeds no later
 *       layer, so the KV cache and every pruner are unaffected.
 * </ol>
 *
 * <p>Training takes the box from the reference mask, its sides moved at random by up to {@value
 * #JITTER} of its extent, so that the head learns from correct regions and tolerates the looser
 * boxes that generation's own masks give.
 *
 * <p>What it changes on the bundled checkpoint (shape words, mask AP50, recall) is measured in
 * MODEL_CARD.md.
 */
public final class PhraseGlance {

  /** Parts per side of the box. */
  public static final int PARTS = 4;

  /** Box features after the parts: width and height as fractions of the grid. */
  static final int BOX_FEATURES = 2;

  /** Largest random move of a box side in training, as a share of the box's extent. */
  public static final double JITTER = 0.1;

  private PhraseGlance() {}

  /** Width of the glance's input for a config: the parts' features and the box features. */
  static int inputs(GcgConfig config) {
    return PARTS * PARTS * (config.groundingChannels() + GroundingDecoder.COORDINATE_CHANNELS)
        + BOX_FEATURES;
  }

  /**
   * Weights {@code (PARTS, size)} that average cells {@code [lo, hi)} (continuous cell coordinates)
   * in {@link #PARTS} equal parts: entry {@code (p, c)} is the share of part p that cell c covers,
   * so each row sums to 1 when the interval lies inside the grid. An interval narrower than one
   * cell is widened to one cell about its centre, kept inside the grid.
   */
  static float[] partWeights(float lo, float hi, int size) {
    if (hi - lo < 1) {
      float centre = Math.max(0.5f, Math.min(size - 0.5f, (lo + hi) / 2));
      lo = centre - 0.5f;
      hi = centre + 0.5f;
    }
    float[] weights = new float[PARTS * size];
    double width = (hi - lo) / (double) PARTS;
    for (int p = 0; p < PARTS; p++) {
      double from = lo + p * width;
      double to = from + width;
      for (int c = (int) Math.max(0, Math.floor(from)); c < Math.min(size, Math.ceil(to)); c++) {
        double overlap = Math.min(to, c + 1) - Math.max(from, c);
        if (overlap > 0) {
          weights[p * size + c] = (float) (overlap / width);
        }
      }
    }
    return weights;
  }

  /**
   * The box {@code {x0, y0, x1, y1}} (half-open, in cells) of the cells with a positive logit on a
   * {@code size × size} grid, or null when there is none.
   */
  static float @Nullable [] box(float[] logits, int size) {
    int x0 = size;
    int y0 = size;
    int x1 = -1;
    int y1 = -1;
    for (int cell = 0; cell < logits.length; cell++) {
      if (logits[cell] > 0) {
        int x = cell % size;
        int y = cell / size;
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
    }
    return x1 < 0 ? null : new float[] {x0, y0, x1 + 1, y1 + 1};
  }

  /**
   * The box of a full-resolution mask in the cells of a {@code size × size} grid over it
   * (continuous coordinates), jittered by {@code random} when it is not null; null for an empty
   * mask.
   */
  public static float @Nullable [] box(
      BinaryMask mask, int size, @Nullable SplittableRandom random) {
    if (mask.area() == 0) {
      return null;
    }
    int[] bbox = mask.bbox(); // x, y, w, h in pixels
    float sx = (float) size / mask.width();
    float sy = (float) size / mask.height();
    float[] box = {bbox[0] * sx, bbox[1] * sy, (bbox[0] + bbox[2]) * sx, (bbox[1] + bbox[3]) * sy};
    if (random != null) {
      float width = box[2] - box[0];
      float height = box[3] - box[1];
      box[0] += (float) ((random.nextDouble() * 2 - 1) * JITTER * width);
      box[2] += (float) ((random.nextDouble() * 2 - 1) * JITTER * width);
      box[1] += (float) ((random.nextDouble() * 2 - 1) * JITTER * height);
      box[3] += (float) ((random.nextDouble() * 2 - 1) * JITTER * height);
      for (int i = 0; i < 4; i++) {
        box[i] = Math.max(0, Math.min(size, box[i]));
      }
    }
    return box;
  }
}
