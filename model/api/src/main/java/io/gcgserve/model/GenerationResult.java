package io.gcgserve.model;

import java.util.List;

/**
 * The outcome of one generation.
 *
 * @param caption caption text with {@code <p>}, {@code </p>} and {@code [SEG]} markers as generated
 * @param phrases grounded phrases in caption order
 * @param prefill what prefill did (pruning, FLOPs, timing)
 * @param generatedTokens tokens generated, end-of-sequence included
 * @param decodeMillis wall time of the decode loop, mask decoding included
 * @param finishReason why generation stopped
 */
public record GenerationResult(
    String caption,
    List<GroundedPhrase> phrases,
    PrefillReport prefill,
    int generatedTokens,
    double decodeMillis,
    FinishReason finishReason) {}
