package io.gcgserve.model;

import io.gcgserve.pruners.ModelGeometry;

/**
 * Static facts about a loaded model.
 *
 * @param name model name from {@code config.json}
 * @param geometry what pruners and FLOPs accounting need
 * @param imageSize square input side of the vision encoder in pixels, e.g. 336
 * @param maxContextTokens the longest sequence (prompt + visual + generated) the model accepts
 * @param defaultPrompt the GCG prompt used when a request gives none
 */
public record ModelInfo(
    String name,
    ModelGeometry geometry,
    int imageSize,
    int maxContextTokens,
    String defaultPrompt) {}
