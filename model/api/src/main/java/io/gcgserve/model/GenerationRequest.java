package io.gcgserve.model;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.TokenPruner;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * One generation: the decoded image at its original size, the prompt, the pruner built for this
 * request, decoding options, and a cancellation flag checked every step.
 *
 * @param image decoded image; masks come back at this size
 * @param prompt user prompt (the model's default GCG prompt when the client gave none)
 * @param pruner per-request pruner; use the {@code none} pruner for no pruning
 * @param options decoding options
 * @param cancellation returns true once the caller wants generation to stop
 */
public record GenerationRequest(
    ImageRgb image,
    String prompt,
    TokenPruner pruner,
    GenerationOptions options,
    BooleanSupplier cancellation) {

  /** Null checks. */
  public GenerationRequest {
    Objects.requireNonNull(image, "image is null");
    Objects.requireNonNull(prompt, "prompt is null");
    Objects.requireNonNull(pruner, "pruner is null");
    Objects.requireNonNull(options, "options is null");
    Objects.requireNonNull(cancellation, "cancellation is null");
  }
}
