package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The grounding half of the network: the full-resolution CNN with its coordinate channels, the mask
 * decoder driven by a {@code [SEG]} (or in-phrase) state, and the phrase glance's readout. Kept
 * apart from the LLM because none of it is ever pruned and it runs once per image plus once per
 * mask, on its own weights.
 *
 * <p>Every method creates its results in the manager of its query input (the pixels, the state or
 * the manager passed in); callers scope them.
 */
final class GroundingDecoder {

  /** Fixed coordinate channels appended to the grounding features: x, y and 2 Fourier bands. */
  static final int COORDINATE_CHANNELS = 10;

  /** Below this share of covered weight a glance part counts as covering nothing (reads zeros). */
  private static final float COVERAGE_FLOOR = 1e-6f;

  /** Output channels of the first grounding convolution. */
  static final int STEM_CHANNELS = 16;

  private final GcgConfig config;
  private final Map<String, NDArray> weights;

  /** {@link #bilinearWeights} from the visual grid to the grounding grid, fixed per config. */
  private final float[] upsample;

  /**
   * The FiLM scale's offset 1 and the coarse map's {@code 1/sqrt(h)}, made once in the weights'
   * manager rather than at every mask decode; always the second operand of an op.
   */
  private final NDArray one;

  private final NDArray coarseScale;

  GroundingDecoder(GcgConfig config, Map<String, NDArray> weights) {
    this.config = config;
    this.weights = weights;
    this.upsample = bilinearWeights(config.gridSize(), config.groundingSize());
    NDManager manager = w("mask_decoder.coarse.weight").getManager();
    this.one = manager.create(1f);
    this.coarseScale = manager.create((float) (1.0 / Math.sqrt(config.maskHiddenSize())));
  }

  /** Adds the grounding tensors a config implies, with their shapes, in a stable order. */
  static void addParameterShapes(GcgConfig config, Map<String, Shape> shapes) {
    int d = config.hiddenSize();
    int c = config.groundingChannels();
    shapes.put("grounding.conv1.weight", new Shape(STEM_CHANNELS, 3, 3, 3));
    shapes.put("grounding.conv1.bias", new Shape(STEM_CHANNELS));
    shapes.put("grounding.conv2.weight", new Shape(c, STEM_CHANNELS, 3, 3));
    shapes.put("grounding.conv2.bias", new Shape(c));
    shapes.put("grounding.conv3.weight", new Shape(c, c, 3, 3));
    shapes.put("grounding.conv3.bias", new Shape(c));
    shapes.put("grounding.conv4.weight", new Shape(c, c, 3, 3));
    shapes.put("grounding.conv4.bias", new Shape(c));
    int h = config.maskHiddenSize();
    shapes.put("seg_proj.fc1.weight", new Shape(d, d));
    shapes.put("seg_proj.fc1.bias", new Shape(d));
    shapes.put("seg_proj.fc2.weight", new Shape(d, 3L * h));
    shapes.put("seg_proj.fc2.bias", new Shape(3L * h));
    shapes.put("mask_decoder.pixel.weight", new Shape(c + COORDINATE_CHANNELS, h));
    shapes.put("mask_decoder.pixel.bias", new Shape(h));
    shapes.put("mask_decoder.region_key.weight", new Shape(d, h));
    shapes.put("mask_decoder.coarse.weight", new Shape(1, h));
    shapes.put("mask_decoder.hidden.weight", new Shape(h, h));
    shapes.put("mask_decoder.hidden.bias", new Shape(h));
    shapes.put("mask_decoder.out.weight", new Shape(h, 1));
    shapes.put("mask_decoder.out.bias", new Shape(1));
    if (config.phraseGlance()) {
      shapes.put("glance.weight", new Shape(PhraseGlance.inputs(config), d));
      shapes.put("glance.bias", new Shape(d));
    }
  }

  private NDArray w(String name) {
    return GcgNetwork.weight(weights, name);
  }

  /** See {@link GcgNetwork#encodeGrounding}. */
  NDArray encode(NDArray pixels) {
    Shape two = new Shape(2, 2);
    Shape one = new Shape(1, 1);
    NDArray x =
        Activation.gelu(
            Conv2d.conv2d(pixels, w("grounding.conv1.weight"), w("grounding.conv1.bias"), two, one)
                .singletonOrThrow());
    x =
        Activation.gelu(
            Conv2d.conv2d(x, w("grounding.conv2.weight"), w("grounding.conv2.bias"), two, one)
                .singletonOrThrow());
    // dilated conv widens the receptive field to cover stripes and dots
    x =
        Activation.gelu(
            Conv2d.conv2d(x, w("grounding.conv3.weight"), w("grounding.conv3.bias"), one, two, two)
                .singletonOrThrow());
    x =
        Conv2d.conv2d(x, w("grounding.conv4.weight"), w("grounding.conv4.bias"), one, one)
            .singletonOrThrow();
    long batch = pixels.getShape().get(0);
    NDArray coordinates = coordinateChannels(x.getManager(), config.groundingSize());
    NDArray tiled = coordinates.expandDims(0).repeat(0, batch);
    return NDArrays.concat(new NDList(x, tiled), 1);
  }

  private static NDArray coordinateChannels(NDManager manager, int size) {
    float[] values = new float[COORDINATE_CHANNELS * size * size];
    int plane = size * size;
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        double u = (x + 0.5) / size * 2 - 1;
        double v = (y + 0.5) / size * 2 - 1;
        int at = y * size + x;
        values[at] = (float) u;
        values[plane + at] = (float) v;
        int channel = 2;
        for (int band = 1; band <= 2; band++) {
          values[channel++ * plane + at] = (float) Math.sin(Math.PI * band * u);
          values[channel++ * plane + at] = (float) Math.cos(Math.PI * band * u);
          values[channel++ * plane + at] = (float) Math.sin(Math.PI * band * v);
          values[channel++ * plane + at] = (float) Math.cos(Math.PI * band * v);
        }
      }
    }
    return manager.create(values, new Shape(COORDINATE_CHANNELS, size, size));
  }

  /** See {@link GcgNetwork#projectImage}. */
  NDArray projectImage(NDArray features, NDArray visual) {
    long batch = features.getShape().get(0);
    long channels = features.getShape().get(1);
    int size = config.groundingSize();
    NDArray pixels =
        features
            .reshape(batch, channels, (long) size * size)
            .transpose(0, 2, 1)
            .matMul(w("mask_decoder.pixel.weight"))
            .add(w("mask_decoder.pixel.bias"));
    NDArray regionKeys = visual.matMul(w("mask_decoder.region_key.weight"));
    return NDArrays.concat(new NDList(pixels, regionKeys), 1);
  }

  /** See {@link GcgNetwork#maskLogits}. */
  NDArray maskLogits(NDArray segHidden, NDArray projectedImage) {
    long count = segHidden.getShape().get(0);
    int size = config.groundingSize();
    int grid = config.gridSize();
    long pixelCount = (long) size * size;
    int h = config.maskHiddenSize();
    NDArray query =
        Activation.gelu(segHidden.matMul(w("seg_proj.fc1.weight")).add(w("seg_proj.fc1.bias")))
            .matMul(w("seg_proj.fc2.weight"))
            .add(w("seg_proj.fc2.bias"));
    NDList parts = query.split(3, 1);
    NDArray scale = parts.get(0).add(one).reshape(count, 1, h);
    NDArray shift = parts.get(1).reshape(count, 1, h);
    NDArray regionQuery = parts.get(2).reshape(count, h, 1);

    NDArray pixels = projectedImage.get(new NDIndex(":, :" + pixelCount + ", :"));
    NDArray regionKeys = projectedImage.get(new NDIndex(":, " + pixelCount + ":, :"));
    // views of the projected image, which usually outlives this call (a generation session keeps
    // it for every mask): scope the views, and so everything computed from them, to the query's
    // manager, or each mask would leave its per-pixel decoder behind in the image's manager
    pixels.attach(query.getManager());
    regionKeys.attach(query.getManager());
    NDArray upsampleWeights = query.getManager().create(this.upsample, new Shape(size, grid));
    NDArray coarse = regionKeys.matMul(regionQuery).mul(coarseScale).reshape(count, grid, grid);
    // (G, grid) x (S, grid, grid) x (grid, G): separable bilinear upsampling as two matmuls
    NDArray coarseUp =
        upsampleWeights
            .matMul(coarse)
            .matMul(upsampleWeights.transpose())
            .reshape(count, pixelCount, 1);

    NDArray x =
        Activation.gelu(
            pixels.mul(scale).add(shift).add(coarseUp.matMul(w("mask_decoder.coarse.weight"))));
    x =
        Activation.gelu(
            x.matMul(w("mask_decoder.hidden.weight")).add(w("mask_decoder.hidden.bias")));
    NDArray logits =
        x.matMul(w("mask_decoder.out.weight")).add(w("mask_decoder.out.bias")).add(coarseUp);
    return logits.reshape(count, size, size);
  }

  /** See {@link GcgNetwork#glance}. */
  NDArray glance(NDManager manager, float[] corners, NDArray features, @Nullable NDArray cells) {
    int size = config.groundingSize();
    int parts = PhraseGlance.PARTS;
    int n = corners.length / 4;
    float[] rows = new float[n * parts * size];
    float[] columns = new float[n * parts * size];
    float[] geometry = new float[n * PhraseGlance.BOX_FEATURES];
    for (int i = 0; i < n; i++) {
      float x0 = corners[4 * i];
      float y0 = corners[4 * i + 1];
      float x1 = corners[4 * i + 2];
      float y1 = corners[4 * i + 3];
      float[] r = PhraseGlance.partWeights(y0, y1, size);
      float[] c = PhraseGlance.partWeights(x0, x1, size);
      System.arraycopy(r, 0, rows, i * parts * size, r.length);
      System.arraycopy(c, 0, columns, i * parts * size, c.length);
      geometry[2 * i] = (x1 - x0) / size;
      geometry[2 * i + 1] = (y1 - y0) / size;
    }
    long channels = features.getShape().get(0);
    NDArray rowWeights = manager.create(rows, new Shape(n, 1, parts, size));
    NDArray columnWeights = manager.create(columns, new Shape(n, 1, parts, size));
    // a view of the features; scope its handle to the caller's manager, freed with the step
    NDArray image = features.expandDims(0);
    image.attach(manager);
    // (n, 1, 4, G) x (1, C, G, G) -> (n, C, 4, G); x (n, 1, G, 4) -> (n, C, 4, 4)
    NDArray averaged =
        rowWeights
            .matMul(image)
            .matMul(columnWeights.transpose(0, 1, 3, 2))
            .reshape(n, channels * parts * parts);
    if (cells != null) {
      NDArray grid = cells.reshape(1, 1, size, size);
      grid.attach(manager);
      // the share of each part's weight on covered cells: the average is over those alone
      NDArray coverage =
          rowWeights
              .matMul(grid)
              .matMul(columnWeights.transpose(0, 1, 3, 2))
              .reshape(n, 1, parts * parts);
      averaged =
          averaged
              .reshape(n, channels, parts * parts)
              .div(coverage.maximum(COVERAGE_FLOOR))
              .reshape(n, channels * parts * parts);
    }
    NDArray input =
        NDArrays.concat(
            new NDList(averaged, manager.create(geometry, new Shape(n, PhraseGlance.BOX_FEATURES))),
            1);
    return input.matMul(w("glance.weight")).add(w("glance.bias"));
  }

  /**
   * Bilinear interpolation weights, row-major {@code (to, from)}, from {@code from} cells to {@code
   * to} cells over the same extent (half-pixel centres, edges clamped, as {@code
   * align_corners=False}).
   */
  static float[] bilinearWeights(int from, int to) {
    float[] weights = new float[to * from];
    for (int i = 0; i < to; i++) {
      double source = Math.max(0, Math.min(from - 1, (i + 0.5) * from / to - 0.5));
      int low = (int) Math.floor(source);
      int high = Math.min(from - 1, low + 1);
      double fraction = source - low;
      weights[i * from + low] += (float) (1 - fraction);
      weights[i * from + high] += (float) fraction;
    }
    return weights;
  }
}
