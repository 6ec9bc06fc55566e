package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;
import java.util.Map;

/**
 * The vision tower: a ViT (patch embedding, learned positions, pre-norm blocks) and the projector
 * MLP that maps each patch to one LLM visual token. Kept apart from the LLM because it runs once
 * per image, before any pruning, on its own weights.
 *
 * <p>Results are created in the manager of the pixels; callers scope them.
 */
final class VisionEncoder {

  /** Amplitude of the initial sine-cosine positions. */
  private static final double POSITION_SCALE = 0.15;

  private final GcgConfig config;
  private final Map<String, NDArray> weights;

  /** The attention scores' {@code 1/sqrt(dh)}, made once in the weights' manager. */
  private final NDArray attentionScale;

  VisionEncoder(GcgConfig config, Map<String, NDArray> weights) {
    this.config = config;
    this.weights = weights;
    int headDim = config.visionHiddenSize() / config.visionHeads();
    this.attentionScale =
        w("vision.patch_embed.weight").getManager().create((float) (1.0 / Math.sqrt(headDim)));
  }

  /** Adds the vision and projector tensors a config implies, with their shapes, in stable order. */
  static void addParameterShapes(GcgConfig config, Map<String, Shape> shapes) {
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
  }

  /**
   * Fixed 2-D sine-cosine positions (MAE's scheme) as the starting point of the learned ViT
   * position embedding: a quarter of the channels each for sin/cos of the column and of the row at
   * geometric frequencies, at amplitude {@link #POSITION_SCALE} (about half the spread of the
   * initial patch embeddings). A random start leaves the model to discover the grid's geometry from
   * data, which costs it thousands of scenes.
   */
  static void sincosPositions(float[] values, int grid, int width) {
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
    return GcgNetwork.weight(weights, name);
  }

  /** See {@link GcgNetwork#encodeVision}. */
  NDArray encode(NDArray pixels) {
    long batch = pixels.getShape().get(0);
    int grid = config.gridSize();
    int patch = config.patchSize();
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
    for (int l = 0; l < config.visionLayers(); l++) {
      x = block(l, x);
    }
    x = layerNorm(x, w("vision.post_norm.weight"), w("vision.post_norm.bias"));
    // projector MLP into the LLM's embedding space
    NDArray projected =
        Activation.gelu(x.matMul(w("projector.fc1.weight")).add(w("projector.fc1.bias")));
    return projected.matMul(w("projector.fc2.weight")).add(w("projector.fc2.bias"));
  }

  /** One pre-norm ViT block over {@code (B, N, dv)}. */
  private NDArray block(int l, NDArray x) {
    long batch = x.getShape().get(0);
    long tokens = x.getShape().get(1);
    int dv = config.visionHiddenSize();
    int heads = config.visionHeads();
    int headDim = dv / heads;
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
    NDArray attention = q.matMul(k.transpose(0, 1, 3, 2)).mul(attentionScale).softmax(-1);
    NDArray context = attention.matMul(v).transpose(0, 2, 1, 3).reshape(batch, tokens, dv);
    x = x.add(context.matMul(w(p + "attn.proj.weight")).add(w(p + "attn.proj.bias")));
    // MLP block
    NDArray normed2 = layerNorm(x, w(p + "norm2.weight"), w(p + "norm2.bias"));
    NDArray hidden =
        Activation.gelu(normed2.matMul(w(p + "mlp.fc1.weight")).add(w(p + "mlp.fc1.bias")));
    return x.add(hidden.matMul(w(p + "mlp.fc2.weight")).add(w(p + "mlp.fc2.bias")));
  }

  private static NDArray layerNorm(NDArray x, NDArray gain, NDArray bias) {
    return LayerNorm.layerNorm(
            x, new Shape(x.getShape().getShape()[x.getShape().dimension() - 1]), gain, bias, 1e-5f)
        .singletonOrThrow();
  }
}
