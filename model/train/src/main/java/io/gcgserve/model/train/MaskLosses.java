package io.gcgserve.model.train;

import static io.gcgserve.model.djl.GcgNetwork.constant;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * GLaMM's two mask losses of one set of masks, kept apart so that each can be weighted and logged
 * on its own: the per-pixel binary cross-entropy sharpens boundaries, the per-mask Dice loss keeps
 * small objects from being outweighed by the background.
 *
 * @param bce mean binary cross-entropy over every pixel of every mask (a scalar)
 * @param dice mean over masks of one minus the smoothed Dice coefficient (a scalar)
 */
record MaskLosses(NDArray bce, NDArray dice) {

  /**
   * The losses of mask logits {@code (S, G, G)} against soft targets of the same shape; both are
   * differentiable with respect to {@code logits}.
   */
  static MaskLosses of(NDArray logits, NDArray targets) {
    // BCE with logits in the form that neither overflows exp() nor takes the log of 0
    NDArray bce =
        logits
            .maximum(constant(logits, 0f))
            .sub(logits.mul(targets))
            .add(logits.abs().neg().exp().add(constant(logits, 1f)).log())
            .mean();
    NDArray probabilities = Activation.sigmoid(logits);
    NDArray intersection = probabilities.mul(targets).sum(new int[] {1, 2});
    NDArray denominator = probabilities.sum(new int[] {1, 2}).add(targets.sum(new int[] {1, 2}));
    NDArray dice =
        intersection
            .mul(constant(logits, 2f))
            .add(constant(logits, 1f))
            .div(denominator.add(constant(logits, 1f)))
            .neg()
            .add(constant(logits, 1f))
            .mean();
    return new MaskLosses(bce, dice);
  }
}
