package io.gcgserve.model.train;

/**
 * Loss components of one step, as plain numbers for logging and checkpoints.
 *
 * @param total weighted sum that was back-propagated
 * @param text caption cross-entropy per target token
 * @param bce mask binary cross-entropy per pixel
 * @param dice mask Dice loss per mask
 * @param words visual-word cross-entropy per covered patch (0 when its weight is 0)
 * @param gradientNorm global gradient norm before clipping
 */
public record StepLosses(
    double total, double text, double bce, double dice, double words, double gradientNorm) {}
