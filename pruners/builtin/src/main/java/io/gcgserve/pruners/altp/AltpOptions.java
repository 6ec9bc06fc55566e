package io.gcgserve.pruners.altp;

/**
 * ALTP's steps that the paper's text does not state, each switchable so that the paper-literal
 * method and every addition to it can be run ({@code variant=paper} turns all of them off).
 *
 * @param minMaxNormalise min-max normalise the densities to [0, 1] before the softmax ({@code
 *     density_normalisation=minmax}); off: {@code softmax(D_i/τ)} of the raw densities
 * @param sqrtArea {@code D_i = Var_i·sqrt(|R_i|/|I|)} ({@code area_form=sqrt}); off: {@code
 *     Var_i·|R_i|/|I|}
 * @param capRedistribute a region's budget is capped at its live tokens and the surplus goes to the
 *     other regions by weight ({@code caps=redistribute}); off: {@code k_i = w_i·K} rounded, a
 *     region keeps at most its live tokens and the surplus is not spent, so fewer than K may be
 *     kept
 */
public record AltpOptions(boolean minMaxNormalise, boolean sqrtArea, boolean capRedistribute) {

  /** The served defaults (our tuned reading). */
  public static final AltpOptions TUNED = new AltpOptions(true, true, true);

  /** The paper's text, literally. */
  public static final AltpOptions PAPER = new AltpOptions(false, false, false);
}
