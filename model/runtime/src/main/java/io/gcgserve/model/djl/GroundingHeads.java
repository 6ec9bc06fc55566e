package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.gcgserve.model.BinaryMask;
import io.gcgserve.pruners.ImageRgb;
import org.jspecify.annotations.Nullable;

/**
 * One request's mask decoder and phrase glance: the two per-image arrays they read (the projected
 * image and the grounding features, kept in the session's manager) and the one-region-per-phrase
 * bookkeeping. Results are created in the manager of the state they are given.
 */
final class GroundingHeads {

  private final GcgNetwork network;
  private final GcgConfig config;
  private final ImageRgb image;

  /** Non-null when the model's masks are cut to one region per phrase. */
  private final Masks.@Nullable OneRegionPerPhrase oneRegionPerPhrase;

  /** The projected image {@code (1, G*G + N, H)} that every mask decode reads. */
  private final NDArray pixelQueries;

  /** One image's grounding features {@code (C+10, G, G)}, read by the phrase glance. */
  private final NDArray groundingFeatures;

  /**
   * What a confined glance reads (see {@link #confineGlance}): copies of the two arrays above with
   * every position of a pruned visual token zeroed, and which grounding cells lie under a kept
   * token, as 1 and 0 on the host ({@code cells}) and as a {@code (G, G)} array ({@code grid}).
   */
  private record Confined(NDArray queries, NDArray features, float[] cells, NDArray grid) {}

  /** Null while the glance reads the whole image. */
  private @Nullable Confined confined;

  GroundingHeads(
      GcgNetwork network, ImageRgb image, NDArray pixelQueries, NDArray groundingFeatures) {
    this.network = network;
    this.config = network.config();
    this.image = image;
    this.pixelQueries = pixelQueries;
    this.groundingFeatures = groundingFeatures;
    this.oneRegionPerPhrase =
        config.singleRegionMasks() ? new Masks.OneRegionPerPhrase(config.groundingSize()) : null;
  }

  /**
   * Bytes the heads of one request hold: the grounding features and the projected image, twice when
   * the glance may be confined ({@link GlanceScope#KEPT}) to its own copies of them.
   */
  static long bytes(GcgConfig config, GlanceScope scope) {
    int grid = config.groundingSize();
    long features =
        (long) (config.groundingChannels() + GroundingDecoder.COORDINATE_CHANNELS)
            * grid
            * grid
            * Float.BYTES;
    long projected =
        ((long) grid * grid + config.visualTokens()) * config.maskHiddenSize() * Float.BYTES;
    long cells = (long) grid * grid * Float.BYTES; // which cells a confined glance reads
    return scope == GlanceScope.KEPT ? 2 * (features + projected) + cells : features + projected;
  }

  /** The mask of a fed {@code [SEG]}'s final-normed state {@code (1, 1, d)}, at image size. */
  BinaryMask mask(NDArray normed) {
    float[] maskLogits = maskLogits(normed);
    float[] logits = oneRegionPerPhrase == null ? maskLogits : oneRegionPerPhrase.keep(maskLogits);
    return Masks.upsample(logits, config.groundingSize(), image.width(), image.height());
  }

  /**
   * The phrase glance of an in-phrase state {@code (1, 1, d)}: its mask gives the box the glance
   * reads, cut, when masks keep one region, to one region among the cells no earlier phrase took
   * ({@link Masks.OneRegionPerPhrase#peekUnclaimed}); a mask with no cell above 0 gives the whole
   * image.
   */
  NDArray glance(NDArray normed) {
    int size = config.groundingSize();
    Confined only = confined;
    float[] logits = maskLogits(normed, only == null ? pixelQueries : only.queries());
    if (only != null) {
      for (int cell = 0; cell < logits.length; cell++) {
        if (only.cells()[cell] == 0f) {
          logits[cell] = -Math.abs(logits[cell]) - 1f;
        }
      }
    }
    if (oneRegionPerPhrase != null) {
      logits = oneRegionPerPhrase.peekUnclaimed(logits);
    }
    float[] box = PhraseGlance.box(logits, size);
    if (box == null) {
      box = new float[] {0, 0, size, size};
    }
    NDArray glance =
        only == null
            ? network.glance(normed.getManager(), box, groundingFeatures)
            : network.glance(normed.getManager(), box, only.features(), only.grid());
    return glance.reshape(1, 1, config.hiddenSize());
  }

  /**
   * Confines the glance ({@link GlanceScope#KEPT}) to the positions of the visual tokens {@code
   * kept} (grid indices), a grounding cell counting as kept when its centre lies in a kept token's
   * patch. From now on the glance reads copies of the projected image and the grounding features in
   * which the pixel rows and features of the other cells, and the region keys of the pruned tokens,
   * are zero; its box is drawn on kept cells only, and each of its parts averages the kept cells it
   * covers (zeros when it covers none). Masks of {@code [SEG]} still read the whole image, as
   * GLaMM's mask decoder does.
   */
  void confineGlance(int[] kept) {
    int grid = config.gridSize();
    int size = config.groundingSize();
    boolean[] tokens = new boolean[grid * grid];
    for (int token : kept) {
      tokens[token] = true;
    }
    float[] cellWeights = new float[size * size];
    double cellPixels = (double) config.imageSize() / size;
    for (int y = 0; y < size; y++) {
      int row = (int) Math.floor((y + 0.5) * cellPixels / config.patchSize());
      for (int x = 0; x < size; x++) {
        int column = (int) Math.floor((x + 0.5) * cellPixels / config.patchSize());
        cellWeights[y * size + x] = tokens[row * grid + column] ? 1f : 0f;
      }
    }
    float[] tokenWeights = new float[grid * grid];
    for (int token = 0; token < tokenWeights.length; token++) {
      tokenWeights[token] = tokens[token] ? 1f : 0f;
    }
    NDManager keep = pixelQueries.getManager();
    try (NDManager scope = keep.newSubManager()) {
      long pixelCount = (long) size * size;
      NDArray pixels = pixelQueries.get(new NDIndex(":, :" + pixelCount + ", :"));
      NDArray regionKeys = pixelQueries.get(new NDIndex(":, " + pixelCount + ":, :"));
      pixels.attach(scope);
      regionKeys.attach(scope);
      NDArray queries =
          NDArrays.concat(
              new NDList(
                  pixels.mul(scope.create(cellWeights, new Shape(1, pixelCount, 1))),
                  regionKeys.mul(scope.create(tokenWeights, new Shape(1, tokenWeights.length, 1)))),
              1);
      NDArray cellGrid = scope.create(cellWeights, new Shape(size, size));
      // created in the features' manager (the session's), as their first operand
      NDArray features = groundingFeatures.mul(cellGrid.reshape(1, size, size));
      // the confined copies live as long as the originals: in the session's manager
      cellGrid.attach(keep);
      queries.attach(keep);
      confined = new Confined(queries, features, cellWeights, cellGrid);
    }
  }

  /** The mask logits of a final-normed state {@code (1, 1, d)} over the grounding grid. */
  private float[] maskLogits(NDArray normed) {
    return maskLogits(normed, pixelQueries);
  }

  private float[] maskLogits(NDArray normed, NDArray queries) {
    return network.maskLogits(normed.reshape(1, config.hiddenSize()), queries).toFloatArray();
  }
}
