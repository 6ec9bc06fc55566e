package io.gcgserve.model.train;

/**
 * Loss components of one step, as plain numbers for logging and checkpoints.
 *
 * @param total weighted sum that was back-propagated
 * @param text caption cross-entropy per target token
 * @param bce mask binary cross-entropy per pixel
 * @param dice mask Dice loss per mask
 * @param words visual-word cross-entropy per covered patch (0 when its weight is 0)
 * @param regions region-word cross-entropy per grounded region, mean of its two readouts (0 when
 *     its weight is 0)
 * @param regionAccuracy share of each region's phrase words ranked in its top-|phrase| words by the
 *     region-word readout (a training-time probe of what the visual tokens carry)
 * @param glanceDice Dice loss of the masks decoded from the states inside phrases, which aim the
 *     phrase glance (0 without {@code phrase_glance})
 * @param phraseAccuracy share of the words inside phrases (and their {@code </p>}) that the
 *     teacher-forced caption head ranks first
 * @param gradientNorm global gradient norm before clipping
 */
public record StepLosses(
    double total,
    double text,
    double bce,
    double dice,
    double words,
    double regions,
    double regionAccuracy,
    double glanceDice,
    double phraseAccuracy,
    double gradientNorm) {

  /** These losses with {@code gradientNorm}, known only after backward. */
  public StepLosses withGradientNorm(double gradientNorm) {
    return new StepLosses(
        total,
        text,
        bce,
        dice,
        words,
        regions,
        regionAccuracy,
        glanceDice,
        phraseAccuracy,
        gradientNorm);
  }
}
