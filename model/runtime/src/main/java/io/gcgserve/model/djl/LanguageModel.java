package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.Arrays;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The LLM: a Llama-style decoder (token embedding, RMSNorm, RoPE, fused QKV causal attention with
 * an optional KV cache, SwiGLU) and the output head tied to the embedding. Kept apart from the
 * encoders because it is the part that prefill runs layer by layer with pruning between layers, and
 * decoding runs one token at a time.
 *
 * <p>Results are created in the manager of the first input; callers scope them.
 */
final class LanguageModel {

  private final GcgConfig config;
  private final Map<String, NDArray> weights;

  /**
   * Constants every layer uses, made once in the weights' manager rather than once per op:
   * RMSNorm's epsilon, the queries' scale {@code 1/sqrt(dh)}, and {@link #rotation}. Always the
   * second operand of an op, so results stay in the caller's manager.
   */
  private final NDArray epsilon;

  private final NDArray queryScale;

  /**
   * {@code (dh, dh)}: {@code x · rotation} is {@code x}'s halves swapped, the first negated ({@code
   * [-x2, x1]}), exactly: each output is one input times ±1 plus exact zeros.
   */
  private final NDArray rotation;

  LanguageModel(GcgConfig config, Map<String, NDArray> weights) {
    this.config = config;
    this.weights = weights;
    NDManager manager = w("llm.norm.weight").getManager();
    this.epsilon = manager.create((float) config.rmsNormEps());
    this.queryScale = manager.create((float) (1.0 / Math.sqrt(config.headDim())));
    this.rotation =
        manager.create(rotation(config.headDim()), new Shape(config.headDim(), config.headDim()));
  }

  /**
   * Row-major {@code (dh, dh)}: column {@code c < dh/2} takes {@code -x[c + dh/2]}, the rest {@code
   * x[c - dh/2]}.
   */
  static float[] rotation(int headDim) {
    int half = headDim / 2;
    float[] values = new float[headDim * headDim];
    for (int c = 0; c < half; c++) {
      values[(c + half) * headDim + c] = -1f;
      values[c * headDim + c + half] = 1f;
    }
    return values;
  }

  /** Adds the LLM tensors a config implies, with their shapes, in a stable order. */
  static void addParameterShapes(GcgConfig config, Map<String, Shape> shapes) {
    int d = config.hiddenSize();
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
  }

  private NDArray w(String name) {
    return GcgNetwork.weight(weights, name);
  }

  /** See {@link GcgNetwork#embed}. */
  NDArray embed(NDArray tokenIds) {
    NDArray table = w("llm.embed_tokens.weight");
    Shape idShape = tokenIds.getShape();
    // gather into the ids' manager, not the weights': the rows belong to the caller's scope
    NDArray flat =
        table.get(
            tokenIds.getManager(),
            new NDIndex("{}", tokenIds.reshape(-1).toType(DataType.INT64, false)));
    return flat.reshape(idShape.addAll(new Shape(config.hiddenSize())));
  }

  /** See {@link GcgNetwork#ropeTables}. */
  NDList ropeTables(NDManager manager, int[] positions) {
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

  /** See {@link GcgNetwork#causalMask}. */
  static NDArray causalMask(NDManager manager, int length) {
    float[] values = new float[length * length];
    for (int i = 0; i < length; i++) {
      for (int j = i + 1; j < length; j++) {
        values[i * length + j] = -1e9f;
      }
    }
    return manager.create(values, new Shape(length, length));
  }

  /** See {@link GcgNetwork#layer}. */
  LayerOutput layer(
      int layer,
      NDArray input,
      NDList rope,
      @Nullable NDArray mask,
      @Nullable NDArray pastKeys,
      @Nullable NDArray pastValues,
      int @Nullable [] probeRows) {
    String p = "llm.layers." + layer + ".";
    NDList qkv = queriesKeysValues(p, input, rope);
    NDArray q = qkv.get(0);
    NDArray k = qkv.get(1);
    NDArray v = qkv.get(2);
    if (pastKeys != null && pastValues != null) {
      k = pastKeys.concat(k, 2);
      v = pastValues.concat(v, 2);
      // the concatenation lands in the cache's manager, which outlives this call; scope the new
      // cache to the input's manager, so that what is derived from it here (the transposed keys)
      // is freed with the caller's step, and the caller decides what to keep
      k.attach(input.getManager());
      v.attach(input.getManager());
    }
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
    if (mask != null) {
      scores = scores.add(mask);
    }
    NDArray attention = scores.softmax(-1);
    NDArray probe = null;
    if (probeRows != null) {
      NDArray rows = input.getManager().create(Arrays.stream(probeRows).asLongStream().toArray());
      probe = attention.get(new NDIndex("0, :, {}, :", rows)).mean(new int[] {0});
    }
    NDArray hidden = outputAndMlp(p, input, attention.matMul(v));
    return new LayerOutput(hidden, k, v, probe);
  }

  /** See {@link GcgNetwork#probe}. */
  NDArray probe(int layer, NDArray input, NDList rope, NDArray mask, int[] probeRows) {
    NDList qkv = queriesKeysValues("llm.layers." + layer + ".", input, rope);
    NDArray rows = input.getManager().create(Arrays.stream(probeRows).asLongStream().toArray());
    NDArray queries = qkv.get(0).get(new NDIndex(":, :, {}, :", rows));
    NDArray scores =
        queries.matMul(qkv.get(1).transpose(0, 1, 3, 2)).add(mask.get(new NDIndex("{}", rows)));
    return scores.softmax(-1).get(new NDIndex("0")).mean(new int[] {0});
  }

  /** See {@link GcgNetwork#decodeLayer}. */
  NDArray decodeLayer(int layer, NDArray input, NDList rope, PooledAttention attention) {
    String p = "llm.layers." + layer + ".";
    NDList qkv = queriesKeysValues(p, input, rope);
    NDArray context = attention.attend(layer, qkv.get(0), qkv.get(1), qkv.get(2));
    return outputAndMlp(p, input, context);
  }

  /** The rows of a {@code (B, ...)} array, each {@code (1, ...)}; the array itself for B = 1. */
  static NDList rows(NDArray array, int batch) {
    return batch == 1 ? new NDList(array) : array.split(batch, 0);
  }

  /**
   * The attention block's input side: RMSNorm, the fused QKV projection, RoPE; the queries come
   * pre-scaled by {@code 1/sqrt(dh)}, which costs T*dh work instead of T*S on the scores and gives
   * the same result. Each array {@code (B, h, T, dh)}.
   */
  private NDList queriesKeysValues(String p, NDArray input, NDList rope) {
    long batch = input.getShape().get(0);
    long length = input.getShape().get(1);
    int headDim = config.headDim();
    NDArray normed = rmsNorm(input, w(p + "input_norm.weight"));
    NDArray qkv =
        normed
            .matMul(w(p + "attn.qkv.weight"))
            .reshape(batch, length, 3, config.heads(), headDim)
            .transpose(2, 0, 3, 1, 4);
    // queries and keys rotate as one (2, B, h, T, dh) array
    NDArray rotated = applyRope(qkv.get(new NDIndex(":2")), rope);
    NDArray scaled = rotated.get(0).mul(queryScale);
    return new NDList(scaled, rotated.get(1), qkv.get(2));
  }

  /**
   * The rest of a layer after attention: the heads' context {@code (B, h, T, dh)} through the
   * output projection onto the residual stream, then the SwiGLU block; returns {@code (B, T, d)}.
   */
  private NDArray outputAndMlp(String p, NDArray input, NDArray context) {
    long batch = input.getShape().get(0);
    long length = input.getShape().get(1);
    NDArray merged = context.transpose(0, 2, 1, 3).reshape(batch, length, config.hiddenSize());
    NDArray hidden = input.add(merged.matMul(w(p + "attn.o.weight")));
    NDArray normed = rmsNorm(hidden, w(p + "post_attn_norm.weight"));
    NDList gateUp = normed.matMul(w(p + "mlp.gate_up.weight")).split(2, 2);
    NDArray gate = gateUp.get(0);
    NDArray activated = gate.mul(Activation.sigmoid(gate)).mul(gateUp.get(1));
    return hidden.add(activated.matMul(w(p + "mlp.down.weight")));
  }

  /** See {@link GcgNetwork#forwardTokens(NDArray, NDArray, NDArray, int)}. */
  NDList forwardTokens(NDArray visual, NDArray bosIds, NDArray textIds, int tapLayer) {
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

  /** See {@link GcgNetwork#finalNorm}. */
  NDArray finalNorm(NDArray hidden) {
    return rmsNorm(hidden, w("llm.norm.weight"));
  }

  /** See {@link GcgNetwork#logits}. */
  NDArray logits(NDArray normedHidden) {
    NDArray transposed = w("llm.embed_tokens.weight").transpose();
    // a view of the weight; scope the view handle to the caller so it is freed with the step
    transposed.attach(normedHidden.getManager());
    return normedHidden.matMul(transposed);
  }

  private NDArray rmsNorm(NDArray x, NDArray gain) {
    NDArray meanSquare = x.square().mean(new int[] {-1}, true);
    return x.div(meanSquare.add(epsilon).sqrt()).mul(gain);
  }

  /** RoPE on {@code (..., T, dh)}: {@code x·cos + [-x2, x1]·sin}. */
  private NDArray applyRope(NDArray x, NDList rope) {
    return x.mul(rope.get(0)).add(x.matMul(rotation).mul(rope.get(1)));
  }
}
