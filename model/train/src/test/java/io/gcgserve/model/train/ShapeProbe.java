package io.gcgserve.model.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.data.Grounding;
import io.gcgserve.model.data.Scene;
import io.gcgserve.model.data.SceneGenerator;
import io.gcgserve.model.data.SceneVocabulary;
import io.gcgserve.model.data.Split;
import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.model.djl.GcgNetwork;
import io.gcgserve.model.djl.Images;
import io.gcgserve.pruners.ImageRgb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * An experiment, not a test: can an image encoder learn the synthetic objects' shapes and textures
 * when each object is read as the mask-weighted mean of the encoder's feature map (which is all the
 * region-word loss, and roughly all an attention read, gets)? Trains the encoder and a linear shape
 * (8-way) and texture (4-way) head from scratch on fresh training scenes, printing the running
 * accuracy every 25 steps; each batch is unseen data, so it is held-out accuracy.
 *
 * <p>Run from the repository root after {@code mvn -q -B install -DskipTests} (so the test classes
 * exist):
 *
 * <pre>
 * java -Dai.djl.offline=true \
 *   -cp "model/train/target/test-classes:model/train/target/classes:model/train/target/lib/*" \
 *   io.gcgserve.model.train.ShapeProbe ENCODER STEPS LR [layout|box]
 * </pre>
 *
 * ENCODER is {@code vit2} or {@code vit4} (the bundled ViT with 2 or 4 layers, with its projector),
 * {@code grounding} (the grounding CNN, receptive field 31 px, stride 4) or {@code deep} (six 3x3
 * convolutions, four of stride 2 then dilations 2 and 4: stride 16, receptive field 223 px).
 * Results are in MODEL_CARD.md.
 */
public final class ShapeProbe {

  private static final int BATCH = 8;
  private static final int SHAPES = SceneVocabulary.SHAPES.size();
  private static final int CLASSES = SHAPES + SceneVocabulary.TEXTURES.size();

  /** Side of the object-centred grid of the {@code layout} readout. */
  private static final int LAYOUT = 4;

  private ShapeProbe() {}

  public static void main(String[] args) throws Exception {
    String encoder = args[0];
    boolean layout = args.length > 3 && (args[3].equals("layout") || args[3].equals("box"));
    boolean box = args.length > 3 && args[3].equals("box");
    int slots = layout ? LAYOUT * LAYOUT : 1;
    int steps = Integer.parseInt(args[1]);
    double learningRate = Double.parseDouble(args[2]);
    String json =
        Files.readString(
            Path.of("model/runtime/src/main/resources/io/gcgserve/model/bundled/config.json"));
    if (encoder.equals("vit4")) {
      json = json.replaceAll("\"vision_layers\": *\\d+", "\"vision_layers\": 4");
    }
    GcgConfig config = GcgConfig.parse(json);
    boolean vit = encoder.startsWith("vit");
    int grid = vit ? config.gridSize() : encoder.equals("deep") ? 21 : config.groundingSize();
    int width =
        vit ? config.hiddenSize() : encoder.equals("deep") ? 64 : config.groundingChannels() + 10;
    int cells = grid * grid;
    SceneGenerator generator = new SceneGenerator(2024, config.imageSize());
    Random random = new Random(1);
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgNetwork network = GcgNetwork.initialize(config, manager, 1);
      Map<String, NDArray> trained = new LinkedHashMap<>();
      if (encoder.equals("deep")) {
        int[][] channels = {{3, 16}, {16, 32}, {32, 64}, {64, 64}, {64, 64}, {64, 64}};
        for (int i = 0; i < channels.length; i++) {
          trained.put("deep." + i + ".weight", gaussian(manager, random, channels[i]));
          trained.put("deep." + i + ".bias", manager.zeros(new Shape(channels[i][1])));
        }
      } else {
        String prefix = vit ? "vision." : "grounding.";
        network
            .weights()
            .forEach(
                (name, weight) -> {
                  if (name.startsWith(prefix) || (vit && name.startsWith("projector."))) {
                    trained.put(name, weight);
                  }
                });
      }
      float[] head = new float[slots * width * CLASSES];
      for (int i = 0; i < head.length; i++) {
        head[i] = (float) (random.nextGaussian() * 0.02);
      }
      trained.put("head", manager.create(head, new Shape((long) slots * width, CLASSES)));
      trained.values().forEach(weight -> weight.setRequiresGradient(true));
      AdamW optimizer = new AdamW(0.9, 0.95, 1e-8, 0.01);
      optimizer.initialize(trained, manager);

      int shapeHits = 0;
      int textureHits = 0;
      int objects = 0;
      long start = System.nanoTime();
      for (int step = 1; step <= steps; step++) {
        ImageRgb[] images = new ImageRgb[BATCH];
        List<float[]> pooling = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
          Scene scene = generator.generate(Split.TRAIN, (long) step * BATCH + i);
          images[i] = scene.image();
          for (Grounding grounding : scene.groundings()) {
            Optional<List<String>> attributes =
                SceneVocabulary.objectAttributes(grounding.phrase());
            if (attributes.isPresent()) {
              pooling.add(meanOver(grounding.mask(), grid, i, layout ? LAYOUT : 1, box));
              labels.add(
                  new int[] {
                    SceneVocabulary.SHAPES.indexOf(attributes.get().get(3)),
                    SceneVocabulary.TEXTURES.indexOf(attributes.get().get(2))
                  });
            }
          }
        }
        int regions = pooling.size();
        float[] poolingRows = new float[regions * slots * BATCH * cells];
        float[] targets = new float[regions * CLASSES];
        for (int r = 0; r < regions; r++) {
          System.arraycopy(
              pooling.get(r), 0, poolingRows, r * slots * BATCH * cells, slots * BATCH * cells);
          targets[r * CLASSES + labels.get(r)[0]] = 1;
          targets[r * CLASSES + SHAPES + labels.get(r)[1]] = 1;
        }
        try (NDManager scope = manager.newSubManager()) {
          try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray pixels = Images.toTensor(scope, images);
            NDArray features =
                vit
                    ? network.encodeVision(pixels)
                    : (encoder.equals("deep")
                            ? deepCnn(trained, pixels)
                            : network.encodeGrounding(pixels))
                        .transpose(0, 2, 3, 1);
            NDArray logits =
                scope
                    .create(poolingRows, new Shape((long) regions * slots, BATCH * cells))
                    .matMul(features.reshape(BATCH * cells, width))
                    .reshape(regions, (long) slots * width)
                    .matMul(trained.get("head"));
            NDArray target = scope.create(targets, new Shape(regions, CLASSES));
            NDArray loss =
                logits
                    .get(":, 0:" + SHAPES)
                    .logSoftmax(1)
                    .mul(target.get(":, 0:" + SHAPES))
                    .sum()
                    .add(
                        logits
                            .get(":, " + SHAPES + ":")
                            .logSoftmax(1)
                            .mul(target.get(":, " + SHAPES + ":"))
                            .sum())
                    .neg()
                    .div(regions);
            float[] values = logits.toFloatArray();
            for (int r = 0; r < regions; r++) {
              shapeHits += argmax(values, r * CLASSES, SHAPES) == labels.get(r)[0] ? 1 : 0;
              textureHits +=
                  argmax(values, r * CLASSES + SHAPES, CLASSES - SHAPES) == labels.get(r)[1]
                      ? 1
                      : 0;
              objects++;
            }
            collector.backward(loss);
          }
          optimizer.step(trained, step, learningRate * Math.min(1.0, step / 30.0), 1.0);
        }
        if (step % 25 == 0) {
          System.out.printf(
              "%s step %d  shape accuracy %.3f  texture accuracy %.3f  (%d objects, %.0f s)%n",
              encoder,
              step,
              (double) shapeHits / objects,
              (double) textureHits / objects,
              objects,
              (System.nanoTime() - start) / 1e9);
          shapeHits = 0;
          textureHits = 0;
          objects = 0;
        }
      }
    }
  }

  private static NDArray gaussian(NDManager manager, Random random, int[] channels) {
    float[] values = new float[channels[1] * channels[0] * 9];
    double std = Math.sqrt(2.0 / (channels[0] * 9));
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextGaussian() * std);
    }
    return manager.create(values, new Shape(channels[1], channels[0], 3, 3));
  }

  private static NDArray deepCnn(Map<String, NDArray> weights, NDArray pixels) {
    NDArray x = pixels;
    for (int i = 0; i < 6; i++) {
      int dilation = i < 4 ? 1 : 2 * (i - 3);
      x =
          Activation.gelu(
              Conv2d.conv2d(
                      x,
                      weights.get("deep." + i + ".weight"),
                      weights.get("deep." + i + ".bias"),
                      i < 4 ? new Shape(2, 2) : new Shape(1, 1),
                      new Shape(dilation, dilation),
                      new Shape(dilation, dilation))
                  .singletonOrThrow());
    }
    return x;
  }

  /**
   * Rows of the pooling matrix for one object: with {@code side} 1, the mask's share of each cell
   * of image {@code image}; otherwise the object's bounding box is cut into side x side parts and
   * each part gets its own row (the mean over the mask inside that part; zero where it has none),
   * so the readout keeps where features are, not only which. With {@code wholeBox} every pixel of a
   * part counts, not only the mask's, so the mask's own outline cannot give the shape away.
   */
  private static float[] meanOver(
      BinaryMask mask, int grid, int image, int side, boolean wholeBox) {
    int cells = grid * grid;
    float[] rows = new float[side * side * BATCH * cells];
    double[] totals = new double[side * side];
    int[] box = mask.bbox();
    int cell = mask.width() / grid;
    for (int y = 0; y < mask.height(); y++) {
      for (int x = 0; x < mask.width(); x++) {
        boolean inBox = x >= box[0] && x < box[0] + box[2] && y >= box[1] && y < box[1] + box[3];
        if (side > 1 && wholeBox ? inBox : mask.get(x, y)) {
          int part =
              Math.min(side - 1, (y - box[1]) * side / Math.max(1, box[3])) * side
                  + Math.min(side - 1, (x - box[0]) * side / Math.max(1, box[2]));
          int target = Math.min(y / cell, grid - 1) * grid + Math.min(x / cell, grid - 1);
          rows[(part * BATCH + image) * cells + target]++;
          totals[part]++;
        }
      }
    }
    for (int part = 0; part < side * side; part++) {
      for (int c = 0; c < cells; c++) {
        if (totals[part] > 0) {
          rows[(part * BATCH + image) * cells + c] /= (float) totals[part];
        }
      }
    }
    return rows;
  }

  private static int argmax(float[] values, int offset, int length) {
    int best = 0;
    for (int i = 1; i < length; i++) {
      if (values[offset + i] > values[offset + best]) {
        best = i;
      }
    }
    return best;
  }
}
