package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.LayerNorm;
import io.gcgserve.model.ModelLoadException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The GCG network as functions of named weight arrays. Linear weights are stored {@code (in, out)}
 * so that a projection is {@code x.matMul(w)}.
 *
 * <ul>
 *   <li>vision encoder: ViT (patch embedding, learned positions, pre-norm blocks) and a projector
 *       MLP that maps each patch to one LLM visual token;
 *   <li>LLM: Llama-style decoder (RMSNorm, RoPE, SwiGLU, causal attention), output head tied to the
 *       token embedding;
 *   <li>grounding: a small full-resolution CNN with fixed coordinate channels, never pruned, and a
 *       mask decoder driven by the {@code [SEG]} hidden state: a coarse query-key map over the
 *       unpruned visual tokens plus a per-pixel decoder conditioned (FiLM) on the same state.
 * </ul>
 *
 * <p>Every method creates its results in the manager of its first input; callers scope them.
 */
public final class GcgNetwork {

  /** Fixed coordinate channels appended to the grounding features: x, y and 2 Fourier bands. */
  static final int COORDINATE_CHANNELS = 10;

  private static final int GROUNDING_STEM_CHANNELS = 16;

  private static final double POSITION_SCALE = 0.15;

  private final GcgConfig config;
  private final Map<String, NDArray> weights;

  /** {@link #bilinearWeights} from the visual grid to the grounding grid, fixed per config. */
  private final float[] upsample;

  /**
   * Wraps weights, checking that every expected tensor is present with its expected shape and that
   * no unknown tensor is there.
   */
  public GcgNetwork(GcgConfig config, Map<String, NDArray> weights) {
    this.config = config;
    Map<String, Shape> expected = parameterShapes(config);
    for (Map.Entry<String, Shape> entry : expected.entrySet()) {
      NDArray weight = weights.get(entry.getKey());
      if (weight == null) {
        throw new ModelLoadException("model.safetensors lacks tensor '" + entry.getKey() + "'");
      }
      if (!weight.getShape().equals(entry.getValue())) {
        throw new ModelLoadException(
            "model.safetensors: tensor '"
                + entry.getKey()
                + "' has shape "
                + weight.getShape()
                + " but config.json implies "
                + entry.getValue());
      }
    }
    for (String name : weights.keySet()) {
      if (!expected.containsKey(name)) {
        throw new ModelLoadException(
            "model.safetensors has unknown tensor '" + name + "' for this config.json");
      }
    }
    this.weights = Map.copyOf(weights);
    this.upsample = bilinearWeights(config.gridSize(), config.groundingSize());
  }

  /** The configuration. */
  public GcgConfig config() {
    return config;
  }

  /** The weights by name (read-only map; the arrays are live and trainable). */
  public Map<String, NDArray> weights() {
    return weights;
  }

  /** Every tensor a config implies, with its shape, in a stable order. */
  public static Map<String, Shape> parameterShapes(GcgConfig config) {
    Map<String, Shape> shapes = new LinkedHashMap<>();
    int dv = config.visionHiddenSize();
    int d = config.hiddenSize();
    int patchInputs = config.patchSize() * config.patchSize() * 3;
    shapes.put("vision.patch_embed.weight", new Shape(patchInputs, dv));
    shapes.put("vision.patch_embed.bias", new Shape(dv));
    shapes.put("vision.position_embed", new Shape(config.visualTokens(), dv));
    for (int l = 0; l < config.visionLayers(); l++) {
      String p = "vision.layers." + l + ".";
      shapes.put(p + "norm1.weight", new Shape(dv));
      shapes.put(p + "norm1.bias", new Shape(dv));
      shapes.put(p + "attn.qkv.weight", new Shape(dv, 3L * dv));
      shapes.put(p + "attn.qkv.bias", new Shape(3L * dv));
      shapes.put(p + "attn.proj.weight", new Shape(dv, dv));
      shapes.put(p + "attn.proj.bias", new Shape(dv));
      shapes.put(p + "norm2.weight", new Shape(dv));
      shapes.put(p + "norm2.bias", new Shape(dv));
      shapes.put(p + "mlp.fc1.weight", new Shape(dv, config.visionIntermediateSize()));
      shapes.put(p + "mlp.fc1.bias", new Shape(config.visionIntermediateSize()));
      shapes.put(p + "mlp.fc2.weight", new Shape(config.visionIntermediateSize(), dv));
      shapes.put(p + "mlp.fc2.bias", new Shape(dv));
    }
    shapes.put("vision.post_norm.weight", new Shape(dv));
    shapes.put("vision.post_norm.bias", new Shape(dv));
    shapes.put("projector.fc1.weight", new Shape(dv, d));
    shapes.put("projector.fc1.bias", new Shape(d));
    shapes.put("projector.fc2.weight", new Shape(d, d));
    shapes.put("projector.fc2.bias", new Shape(d));
    shapes.put("llm.embed_tokens.weight", new Shape(config.vocabSize(), d));
    for (int l = 0; l < config.layers(); l++) {
      String p = "llm.layers." + l + ".";
      shapes.put(p + "input_norm.weight", new Shape(d));
      shapes.put(p + "attn.qkv.weight", new Shape(d, 3L * d));
      shapes.put(p + "attn.o.weight", new Shape(d, d));
      shapes.put(p + "post_attn_norm.weight", new Shape(d));
      shapes.put(p + "mlp.gate_up.weight", new Shape(d, 2L * config.intermediateSize()));
      shapes.put(p + "mlp.down.weight", new Shape(config.intermediateSize(), d));
    }
    shapes.put("llm.norm.weight", new Shape(d));
    int c = config.groundingChannels();
    shapes.put("grounding.conv1.weight", new Shape(GROUNDING_STEM_CHANNELS, 3, 3, 3));
    shapes.put("grounding.conv1.bias", new Shape(GROUNDING_STEM_CHANNELS));
    shapes.put("grounding.conv2.weight", new Shape(c, GROUNDING_STEM_CHANNELS, 3, 3));
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
    return shapes;
  }

  /**
   * Random initialisation, deterministic from {@code seed}: normal(0, 0.02) for projections and
   * embeddings (GPT-2's scheme, residual outputs scaled by 1/sqrt(2·layers)), He-normal for
   * convolutions, ones for norm gains, zeros for biases.
   */
  public static GcgNetwork initialize(GcgConfig config, NDManager manager, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, NDArray> weights = new LinkedHashMap<>();
    double residualScale = 1.0 / Math.sqrt(2.0 * Math.max(1, config.layers()));
    for (Map.Entry<String, Shape> entry : parameterShapes(config).entrySet()) {
      String name = entry.getKey();
      Shape shape = entry.getValue();
      float[] values = new float[(int) shape.size()];
      if (name.endsWith("norm.weight") || name.matches(".*norm\\d?\\.weight")) {
        java.util.Arrays.fill(values, 1f);
      } else if (name.equals("vision.position_embed")) {
        sincosPositions(values, config.gridSize(), config.visionHiddenSize());
      } else if (name.endsWith(".bias")) {
        // zeros
      } else {
        double std;
        if (name.startsWith("grounding.conv")) {
          std = Math.sqrt(2.0 / (shape.get(1) * shape.get(2) * shape.get(3)));
        } else if (name.endsWith("attn.o.weight") || name.endsWith("mlp.down.weight")) {
          std = 0.02 * residualScale;
        } else {
          std = 0.02;
        }
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) (random.nextGaussian() * std);
        }
      }
      weights.put(name, manager.create(values, shape));
    }
    return new GcgNetwork(config, weights);
  }

  /**
   * Fixed 2-D sine-cosine positions (MAE's scheme) as the starting point of the learned ViT
   * position embedding: a quarter of the channels each for sin/cos of the column and of the row at
   * geometric frequencies, at amplitude {@link #POSITION_SCALE} (about half the spread of the
   * initial patch embeddings). A random start leaves the model to discover the grid's geometry from
   * data, which costs it thousands of scenes.
   */
  private static void sincosPositions(float[] values, int grid, int width) {
    int quarter = width / 4;
    for (int row = 0; row < grid; row++) {
      for (int column = 0; column < grid; column++) {
        int offset = (row * grid + column) * width;
        for (int i = 0; i < quarter; i++) {
          double frequency = 1.0 / Math.pow(100.0, (double) i / quarter);
          values[offset + i] = (float) (POSITION_SCALE * Math.sin(column * frequency));
          values[offset + quarter + i] = (float) (POSITION_SCALE * Math.cos(column * frequency));
          values[offset + 2 * quarter + i] = (float) (POSITION_SCALE * Math.sin(row * frequency));
          values[offset + 3 * quarter + i] = (float) (POSITION_SCALE * Math.cos(row * frequency));
        }
      }
    }
  }

  private NDArray w(String name) {
    NDArray weight = weights.get(name);
    if (weight == null) {
      throw new IllegalStateException("the model has no weight " + name);
    }
    return weight;
  }

  /**
   * Vision encoder + projector: pixels {@code (B, 3, S, S)} in [-1, 1] to visual tokens {@code (B,
   * N, d)}, row-major over the patch grid.
   */
  public NDArray encodeVision(NDArray pixels) {
    long batch = pixels.getShape().get(0);
    int grid = config.gridSize();
    int patch = config.patchSize();
    int dv = config.visionHiddenSize();
    // cut into patches: (B, 3, g, p, g, p) -> (B, g, g, p, p, 3) -> (B, N, p*p*3)
    NDArray patches =
        pixels
            .reshape(batch, 3, grid, patch, grid, patch)
            .transpose(0, 2, 4, 3, 5, 1)
            .reshape(batch, (long) grid * grid, (long) patch * patch * 3);
    NDArray x =
        patches
            .matMul(w("vision.patch_embed.weight"))
            .add(w("vision.patch_embed.bias"))
            .add(w("vision.position_embed"));
    int heads = config.visionHeads();
    int headDim = dv / heads;
    long tokens = (long) grid * grid;
    for (int l = 0; l < config.visionLayers(); l++) {
      String p = "vision.layers." + l + ".";
      // attention block
      NDArray normed = layerNorm(x, w(p + "norm1.weight"), w(p + "norm1.bias"));
      NDArray qkv =
          normed
              .matMul(w(p + "attn.qkv.weight"))
              .add(w(p + "attn.qkv.bias"))
              .reshape(batch, tokens, 3, heads, headDim)
              .transpose(2, 0, 3, 1, 4);
      NDArray q = qkv.get(0);
      NDArray k = qkv.get(1);
      NDArray v = qkv.get(2);
      NDArray attention =
          q.matMul(k.transpose(0, 1, 3, 2))
              .mul(constant(q, (float) (1.0 / Math.sqrt(headDim))))
              .softmax(-1);
      NDArray context = attention.matMul(v).transpose(0, 2, 1, 3).reshape(batch, tokens, dv);
      x = x.add(context.matMul(w(p + "attn.proj.weight")).add(w(p + "attn.proj.bias")));
      // MLP block
      NDArray normed2 = layerNorm(x, w(p + "norm2.weight"), w(p + "norm2.bias"));
      NDArray hidden =
          Activation.gelu(normed2.matMul(w(p + "mlp.fc1.weight")).add(w(p + "mlp.fc1.bias")));
      x = x.add(hidden.matMul(w(p + "mlp.fc2.weight")).add(w(p + "mlp.fc2.bias")));
    }
    x = layerNorm(x, w("vision.post_norm.weight"), w("vision.post_norm.bias"));
    // projector MLP into the LLM's embedding space
    NDArray projected =
        Activation.gelu(x.matMul(w("projector.fc1.weight")).add(w("projector.fc1.bias")));
    return projected.matMul(w("projector.fc2.weight")).add(w("projector.fc2.bias"));
  }

  /**
   * Grounding encoder: pixels {@code (B, 3, S, S)} in [-1, 1] to pixel features {@code (B, C+10, G,
   * G)} with {@code G = S / grounding_stride}; the last 10 channels are fixed coordinates so that
   * the mask decoder can tell apart two objects that look alike.
   */
  public NDArray encodeGrounding(NDArray pixels) {
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

  /** Token embeddings {@code (..., d)} of integer ids. */
  public NDArray embed(NDArray tokenIds) {
    NDArray table = w("llm.embed_tokens.weight");
    Shape idShape = tokenIds.getShape();
    // gather into the ids' manager, not the weights': the rows belong to the caller's scope
    NDArray flat =
        table.get(
            tokenIds.getManager(),
            new NDIndex("{}", tokenIds.reshape(-1).toType(DataType.INT64, false)));
    return flat.reshape(idShape.addAll(new Shape(config.hiddenSize())));
  }

  /** Per-position RoPE tables {@code (cos, sin)}, each {@code (T, headDim)}. */
  public NDList ropeTables(NDManager manager, int[] positions) {
    int headDim = config.headDim();
    int half = headDim / 2;
    float[] cos = new float[positions.length * headDim];
    float[] sin = new float[positions.length * headDim];
    for (int t = 0; t < positions.length; t++) {
      for (int i = 0; i < half; i++) {
        double frequency = Math.pow(config.ropeTheta(), -2.0 * i / headDim);
        double angle = positions[t] * frequency;
        float c = (float) Math.cos(angle);
        float s = (float) Math.sin(angle);
        cos[t * headDim + i] = c;
        cos[t * headDim + half + i] = c;
        sin[t * headDim + i] = s;
        sin[t * headDim + half + i] = s;
      }
    }
    Shape shape = new Shape(positions.length, headDim);
    return new NDList(manager.create(cos, shape), manager.create(sin, shape));
  }

  /**
   * Additive causal mask {@code (T, T)}: 0 on and below the diagonal, -1e9 above. A finite value
   * rather than -inf: it gives exactly zero attention after the softmax, and on some CPU kernels
   * (seen here at batch 8, width 128) -inf made the softmax backward produce NaN.
   */
  public static NDArray causalMask(NDManager manager, int length) {
    float[] values = new float[length * length];
    for (int i = 0; i < length; i++) {
      for (int j = i + 1; j < length; j++) {
        values[i * length + j] = -1e9f;
      }
    }
    return manager.create(values, new Shape(length, length));
  }

  /**
   * Output of one decoder layer.
   *
   * @param hidden layer output {@code (B, T, d)}
   * @param keys this layer's keys for the whole attended sequence {@code (B, h, S, dh)}, past
   *     included: the new KV cache
   * @param values this layer's values, like {@code keys}
   * @param probe mean-over-heads attention of the probe rows to every key {@code (rows, S)} (batch
   *     0), or null when no rows were asked for
   */
  public record LayerOutput(
      NDArray hidden, NDArray keys, NDArray values, @Nullable NDArray probe) {}

  /**
   * One Llama-style decoder layer.
   *
   * @param input {@code (B, T, d)}
   * @param rope {@code (cos, sin)} for the T new positions
   * @param mask additive mask {@code (T, S)} or null when every new token may see every key (a
   *     single decode step)
   * @param pastKeys cached keys {@code (B, h, P, dh)} or null
   * @param pastValues cached values or null
   * @param probeRows rows of the new tokens whose attention (mean over heads) to report, or null
   */
  public LayerOutput layer(
      int layer,
      NDArray input,
      NDList rope,
      @Nullable NDArray mask,
      @Nullable NDArray pastKeys,
      @Nullable NDArray pastValues,
      int @Nullable [] probeRows) {
    String p = "llm.layers." + layer + ".";
    long batch = input.getShape().get(0);
    long length = input.getShape().get(1);
    int heads = config.heads();
    int headDim = config.headDim();
    int d = config.hiddenSize();
    // attention block
    NDArray normed = rmsNorm(input, w(p + "input_norm.weight"));
    NDArray qkv =
        normed
            .matMul(w(p + "attn.qkv.weight"))
            .reshape(batch, length, 3, heads, headDim)
            .transpose(2, 0, 3, 1, 4);
    NDArray q = applyRope(qkv.get(0), rope);
    NDArray k = applyRope(qkv.get(1), rope);
    NDArray v = qkv.get(2);
    if (pastKeys != null && pastValues != null) {
      k = pastKeys.concat(k, 2);
      v = pastValues.concat(v, 2);
    }
    // scale the queries rather than the (T, S) scores: same result, T*dh instead of T*S work
    NDArray scores =
        q.mul(constant(q, (float) (1.0 / Math.sqrt(headDim)))).matMul(k.transpose(0, 1, 3, 2));
    if (mask != null) {
      scores = scores.add(mask);
    }
    NDArray attention = scores.softmax(-1);
    NDArray probe = null;
    if (probeRows != null) {
      NDArray rows = input.getManager().create(toLongs(probeRows));
      probe = attention.get(new NDIndex("0, :, {}, :", rows)).mean(new int[] {0});
    }
    NDArray context = attention.matMul(v).transpose(0, 2, 1, 3).reshape(batch, length, d);
    NDArray hidden = input.add(context.matMul(w(p + "attn.o.weight")));
    // SwiGLU block
    NDArray normed2 = rmsNorm(hidden, w(p + "post_attn_norm.weight"));
    NDList gateUp = normed2.matMul(w(p + "mlp.gate_up.weight")).split(2, 2);
    NDArray gate = gateUp.get(0);
    NDArray activated = gate.mul(Activation.sigmoid(gate)).mul(gateUp.get(1));
    hidden = hidden.add(activated.matMul(w(p + "mlp.down.weight")));
    return new LayerOutput(hidden, k, v, probe);
  }

  /**
   * Full causal forward of whole sequences, no cache and no pruning: the teacher-forced pass used
   * by training, and the reference that KV-cached decoding must reproduce.
   *
   * @param visual {@code (B, N, d)} visual tokens from {@link #encodeVision} (callers also feed
   *     them to {@link #projectImage})
   * @param bosIds {@code (B, 1)} the begin-of-sequence id
   * @param textIds {@code (B, R)} everything after the visual tokens (prompt, answer marker,
   *     caption, end, padding), int64
   * @return final-normed hidden states {@code (B, 1 + N + R, d)}
   */
  public NDArray forwardTokens(NDArray visual, NDArray bosIds, NDArray textIds) {
    return forwardTokens(visual, bosIds, textIds, 0).get(0);
  }

  /**
   * {@link #forwardTokens(NDArray, NDArray, NDArray)} that also returns the residual stream as it
   * enters layer {@code tapLayer} (un-normed, {@code (B, 1 + N + R, d)}): the final-normed output
   * at index 0 and the tap at index 1.
   */
  public NDList forwardTokens(NDArray visual, NDArray bosIds, NDArray textIds, int tapLayer) {
    if (tapLayer < 0 || tapLayer > config.layers()) {
      throw new IllegalArgumentException(
          "tap layer " + tapLayer + " outside 0.." + config.layers());
    }
    NDManager manager = visual.getManager();
    NDArray hidden = NDArrays.concat(new NDList(embed(bosIds), visual, embed(textIds)), 1);
    int length = (int) hidden.getShape().get(1);
    int[] positions = new int[length];
    for (int i = 0; i < length; i++) {
      positions[i] = i;
    }
    NDList rope = ropeTables(manager, positions);
    NDArray mask = causalMask(manager, length);
    NDArray tap = hidden;
    for (int layer = 0; layer < config.layers(); layer++) {
      if (layer == tapLayer) {
        tap = hidden;
      }
      hidden = layer(layer, hidden, rope, mask, null, null, null).hidden();
    }
    if (tapLayer == config.layers()) {
      tap = hidden;
    }
    return new NDList(finalNorm(hidden), tap);
  }

  /** Final RMSNorm of the LLM. */
  public NDArray finalNorm(NDArray hidden) {
    return rmsNorm(hidden, w("llm.norm.weight"));
  }

  /** Vocabulary logits of final-normed hidden states, head tied to the embedding. */
  public NDArray logits(NDArray normedHidden) {
    NDArray transposed = w("llm.embed_tokens.weight").transpose();
    // a view of the weight; scope the view handle to the caller so it is freed with the step
    transposed.attach(normedHidden.getManager());
    return normedHidden.matMul(transposed);
  }

  /**
   * The query-independent half of the mask decoder, computed once per image: the grounding features
   * {@code (B, C+10, G, G)} projected per pixel, followed by region keys projected from the visual
   * tokens {@code (B, N, d)} as they left the vision encoder (before any pruning), in one array
   * {@code (B, G*G + N, H)}.
   */
  public NDArray projectImage(NDArray features, NDArray visual) {
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

  /**
   * Mask logits {@code (S, G, G)} for S {@code [SEG]} hidden states {@code (S, d)} (final-normed)
   * against the projected images they belong to {@code (S, G*G + N, H)} (see {@link
   * #projectImage}).
   *
   * <p>Two paths meet per pixel. Coarse: the {@code [SEG]} state queries the region keys, one dot
   * product per visual token, and the {@code (grid, grid)} map is bilinearly upsampled to {@code
   * (G, G)}; this finds which object is meant. Fine: the state becomes a FiLM scale and shift of
   * the per-pixel decoder, which also sees the coarse map, and draws the boundary at pixel
   * resolution. The coarse map is added to the decoder's output, so it is supervised directly from
   * the first step.
   */
  public NDArray maskLogits(NDArray segHidden, NDArray projectedImage) {
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
    NDArray scale = parts.get(0).add(constant(query, 1f)).reshape(count, 1, h);
    NDArray shift = parts.get(1).reshape(count, 1, h);
    NDArray regionQuery = parts.get(2).reshape(count, h, 1);

    NDArray pixels = projectedImage.get(new NDIndex(":, :" + pixelCount + ", :"));
    NDArray regionKeys = projectedImage.get(new NDIndex(":, " + pixelCount + ":, :"));
    NDArray upsample = query.getManager().create(this.upsample, new Shape(size, grid));
    NDArray coarse =
        regionKeys
            .matMul(regionQuery)
            .mul(constant(query, (float) (1.0 / Math.sqrt(h))))
            .reshape(count, grid, grid);
    // (G, grid) x (S, grid, grid) x (grid, G): separable bilinear upsampling as two matmuls
    NDArray coarseUp =
        upsample.matMul(coarse).matMul(upsample.transpose()).reshape(count, pixelCount, 1);

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

  /**
   * The phrase glance (see {@link PhraseGlance}) for n boxes, 4 floats each ({@code x0, y0, x1, y1}
   * in grounding cells, half-open, continuous), over one image's grounding features {@code (C+10,
   * G, G)}: each box is cut into 4 × 4 parts, the features averaged per part (separably: row
   * weights, then column weights, two matmuls), and the parts with the box's width and height
   * projected to {@code (n, d)}, to be added to final-normed states before the output head. Results
   * are created in {@code manager}.
   */
  public NDArray glance(NDManager manager, float[] corners, NDArray features) {
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

  /**
   * A scalar tensor owned by {@code like}'s manager. Use it instead of {@code x.mul(2f)} in
   * anything that is differentiated: DJL's PyTorch engine turns a Java number into a temporary
   * tensor whose memory the garbage collector may free before the backward pass reads it (seen
   * here: a gradient of 1.4e-45 instead of 3 after a GC between forward and backward).
   */
  public static NDArray constant(NDArray like, float value) {
    return like.getManager().create(value);
  }

  private NDArray rmsNorm(NDArray x, NDArray gain) {
    NDArray meanSquare = x.square().mean(new int[] {-1}, true);
    return x.div(meanSquare.add(constant(x, (float) config.rmsNormEps())).sqrt()).mul(gain);
  }

  private static NDArray layerNorm(NDArray x, NDArray gain, NDArray bias) {
    return LayerNorm.layerNorm(
            x, new Shape(x.getShape().getShape()[x.getShape().dimension() - 1]), gain, bias, 1e-5f)
        .singletonOrThrow();
  }

  private static NDArray applyRope(NDArray x, NDList rope) {
    NDList halves = x.split(2, 3);
    NDArray rotated = halves.get(1).neg().concat(halves.get(0), 3);
    return x.mul(rope.get(0)).add(rotated.mul(rope.get(1))).reshape(x.getShape());
  }

  private static long[] toLongs(int[] values) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }
}
