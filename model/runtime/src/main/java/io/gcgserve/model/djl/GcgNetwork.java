package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.gcgserve.model.ModelLoadException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The GCG network as functions of named weight arrays. Linear weights are stored {@code (in, out)}
 * so that a projection is {@code x.matMul(w)}. This class checks and owns the weights and is the
 * one entry point that training, evaluation and generation call; the computation lives in one class
 * per concern:
 *
 * <ul>
 *   <li>{@link VisionEncoder}: ViT (patch embedding, learned positions, pre-norm blocks) and a
 *       projector MLP that maps each patch to one LLM visual token;
 *   <li>{@link LanguageModel}: Llama-style decoder (RMSNorm, RoPE, SwiGLU, causal attention, KV
 *       cache), output head tied to the token embedding;
 *   <li>{@link GroundingDecoder}: a small full-resolution CNN with fixed coordinate channels, never
 *       pruned, and a mask decoder driven by the {@code [SEG]} hidden state: a coarse query-key map
 *       over the unpruned visual tokens plus a per-pixel decoder conditioned (FiLM) on the same
 *       state; and the phrase glance's readout.
 * </ul>
 *
 * <p>Every method creates its results in the manager of its first input; callers scope them.
 */
public final class GcgNetwork {

  private final GcgConfig config;
  private final Map<String, NDArray> weights;
  private final VisionEncoder vision;
  private final LanguageModel language;
  private final GroundingDecoder grounding;

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
    this.vision = new VisionEncoder(config, this.weights);
    this.language = new LanguageModel(config, this.weights);
    this.grounding = new GroundingDecoder(config, this.weights);
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
    // the order is part of the format: initialize draws its random values in this order
    VisionEncoder.addParameterShapes(config, shapes);
    LanguageModel.addParameterShapes(config, shapes);
    GroundingDecoder.addParameterShapes(config, shapes);
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
        Arrays.fill(values, 1f);
      } else if (name.equals("vision.position_embed")) {
        VisionEncoder.sincosPositions(values, config.gridSize(), config.visionHiddenSize());
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
   * Vision encoder + projector: pixels {@code (B, 3, S, S)} in [-1, 1] to visual tokens {@code (B,
   * N, d)}, row-major over the patch grid.
   */
  public NDArray encodeVision(NDArray pixels) {
    return vision.encode(pixels);
  }

  /**
   * Grounding encoder: pixels {@code (B, 3, S, S)} in [-1, 1] to pixel features {@code (B, C+10, G,
   * G)} with {@code G = S / grounding_stride}; the last 10 channels are fixed coordinates so that
   * the mask decoder can tell apart two objects that look alike.
   */
  public NDArray encodeGrounding(NDArray pixels) {
    return grounding.encode(pixels);
  }

  /** Token embeddings {@code (..., d)} of integer ids, in the ids' manager. */
  public NDArray embed(NDArray tokenIds) {
    return language.embed(tokenIds);
  }

  /** Per-position RoPE tables {@code (cos, sin)}, each {@code (T, headDim)}. */
  public NDList ropeTables(NDManager manager, int[] positions) {
    return language.ropeTables(manager, positions);
  }

  /**
   * Additive causal mask {@code (T, T)}: 0 on and below the diagonal, -1e9 above. A finite value
   * rather than -inf: it gives exactly zero attention after the softmax, and on some CPU kernels
   * -inf made the softmax backward produce NaN.
   */
  public static NDArray causalMask(NDManager manager, int length) {
    return LanguageModel.causalMask(manager, length);
  }

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
   * @return the output, every array of it in the input's manager (the new cache included, even when
   *     the past cache lives elsewhere)
   */
  public LayerOutput layer(
      int layer,
      NDArray input,
      NDList rope,
      @Nullable NDArray mask,
      @Nullable NDArray pastKeys,
      @Nullable NDArray pastValues,
      int @Nullable [] probeRows) {
    return language.layer(layer, input, rope, mask, pastKeys, pastValues, probeRows);
  }

  /**
   * The attention (mean over heads) that layer {@code layer} would give from {@code probeRows} of
   * its input, without running the layer: its input norm, query and key projections and RoPE
   * applied to {@code input}. PyramidDrop's reference ranks a stage's tokens this way, with the
   * stage's first layer, before that layer runs on the survivors.
   *
   * @param input {@code (1, T, d)}, the layer's input
   * @param rope {@code (cos, sin)} for the T positions
   * @param mask additive mask {@code (T, T)}
   * @return {@code (rows, T)} in the input's manager, as {@link LayerOutput#probe()}
   */
  public NDArray probe(int layer, NDArray input, NDList rope, NDArray mask, int[] probeRows) {
    return language.probe(layer, input, rope, mask, probeRows);
  }

  /**
   * One decoder layer for a decode batch: B requests, one new token each, each with its own KV
   * cache in the pool, whose lengths may differ (pruned and unpruned requests, prompts of any
   * length). The projections and the MLP run on the whole batch, and so does attention, through
   * {@code attention}, which also writes each row's new key and value into its cache.
   *
   * @param input {@code (B, 1, d)}
   * @param rope {@code (cos, sin)}, each {@code (B, 1, 1, dh)}: every row at its own position
   * @param attention the step's attention over the rows' caches; the caller advances their lengths
   * @return the layer output {@code (B, 1, d)} in the input's manager
   */
  NDArray decodeLayer(int layer, NDArray input, NDList rope, PooledAttention attention) {
    return language.decodeLayer(layer, input, rope, attention);
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
    return language.forwardTokens(visual, bosIds, textIds, tapLayer);
  }

  /** Final RMSNorm of the LLM. */
  public NDArray finalNorm(NDArray hidden) {
    return language.finalNorm(hidden);
  }

  /** Vocabulary logits of final-normed hidden states, head tied to the embedding. */
  public NDArray logits(NDArray normedHidden) {
    return language.logits(normedHidden);
  }

  /**
   * The query-independent half of the mask decoder, computed once per image: the grounding features
   * {@code (B, C+10, G, G)} projected per pixel, followed by region keys projected from the visual
   * tokens {@code (B, N, d)} as they left the vision encoder (before any pruning), in one array
   * {@code (B, G*G + N, H)}.
   */
  public NDArray projectImage(NDArray features, NDArray visual) {
    return grounding.projectImage(features, visual);
  }

  /**
   * Mask logits {@code (S, G, G)} for S {@code [SEG]} hidden states {@code (S, d)} (final-normed)
   * against the projected images they belong to {@code (S, G*G + N, H)} (see {@link
   * #projectImage}), created in the states' manager whatever the image's.
   *
   * <p>Two paths meet per pixel. Coarse: the {@code [SEG]} state queries the region keys, one dot
   * product per visual token, and the {@code (grid, grid)} map is bilinearly upsampled to {@code
   * (G, G)}; this finds which object is meant. Fine: the state becomes a FiLM scale and shift of
   * the per-pixel decoder, which also sees the coarse map, and draws the boundary at pixel
   * resolution. The coarse map is added to the decoder's output, so it is supervised directly from
   * the first step.
   */
  public NDArray maskLogits(NDArray segHidden, NDArray projectedImage) {
    return grounding.maskLogits(segHidden, projectedImage);
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
    return grounding.glance(manager, corners, features, null);
  }

  /**
   * {@link #glance(NDManager, float[], NDArray)} over the cells where {@code cells} {@code (G, G)}
   * is 1 only: each part averages the features of its covered cells (features elsewhere must be
   * zero), and a part that covers none reads zeros.
   */
  public NDArray glance(NDManager manager, float[] corners, NDArray features, NDArray cells) {
    return grounding.glance(manager, corners, features, cells);
  }

  /**
   * A scalar tensor owned by {@code like}'s manager. Use it instead of {@code x.mul(2f)} in
   * anything that is differentiated: DJL's PyTorch engine turns a Java number into a temporary
   * tensor whose memory the garbage collector may free before the backward pass reads it, which
   * left garbage gradients after a GC between forward and backward.
   */
  public static NDArray constant(NDArray like, float value) {
    return like.getManager().create(value);
  }

  /**
   * The weight called {@code name}; the constructor checked every expected name is present, so a
   * miss here is a programming error, reported by name rather than as a later NullPointerException.
   */
  static NDArray weight(Map<String, NDArray> weights, String name) {
    NDArray weight = weights.get(name);
    if (weight == null) {
      throw new IllegalStateException("the model has no weight " + name);
    }
    return weight;
  }
}
