package io.gcgserve.pruners.ranking;

import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.ParameterSpec;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How many visual tokens a pruner keeps: a fraction ({@code keep_ratio}) or a count ({@code
 * keep_tokens}) of the visual tokens, never both. Shared by FastV and ALTP so that the two accept
 * the same budget parameters with the same messages.
 *
 * <p>Rounding: {@code keep_ratio} keeps {@code Math.round(live * keep_ratio)} tokens (halves round
 * up), at least one; {@code keep_tokens} larger than the live count keeps every live token.
 *
 * @param keepRatio the fraction to keep, or null when a count was given
 * @param keepTokens the count to keep, or null when a fraction was given
 */
public record KeepBudget(@Nullable Double keepRatio, @Nullable Integer keepTokens) {

  /** Parameter name of the fraction. */
  public static final String KEEP_RATIO = "keep_ratio";

  /** Parameter name of the count. */
  public static final String KEEP_TOKENS = "keep_tokens";

  /** Exactly one of the two is set. */
  public KeepBudget {
    if ((keepRatio == null) == (keepTokens == null)) {
      throw new IllegalArgumentException("exactly one of keepRatio and keepTokens must be set");
    }
  }

  /** The {@code keep_ratio} spec with the given default. */
  public static ParameterSpec ratioSpec(double defaultRatio) {
    return ParameterSpec.ofDoubleAboveMin(
        KEEP_RATIO,
        "Fraction of the visual tokens to keep (rounded, at least one); exclusive with keep_tokens.",
        defaultRatio,
        0.0,
        1.0);
  }

  /** The {@code keep_tokens} spec; no default, exclusive with {@code keep_ratio}. */
  public static ParameterSpec tokensSpec() {
    return ParameterSpec.ofInt(
        KEEP_TOKENS,
        "Number of visual tokens to keep; exclusive with keep_ratio.",
        null,
        1,
        1 << 20);
  }

  /**
   * Reads {@code keep_ratio} / {@code keep_tokens} from the raw parameters, defaulting to the ratio
   * spec's default when neither is given.
   *
   * @param visualTokens the model's visual token count: {@code keep_tokens} may not exceed it
   * @throws InvalidPrunerParameterException when both are given, when a value is out of range, or
   *     when {@code keep_ratio} is 0
   */
  public static KeepBudget parse(
      String pruner,
      Map<String, String> rawParameters,
      ParameterSpec ratioSpec,
      ParameterSpec tokensSpec,
      int visualTokens) {
    String ratio = rawParameters.get(KEEP_RATIO);
    String tokens = rawParameters.get(KEEP_TOKENS);
    if (ratio != null && tokens != null) {
      throw new InvalidPrunerParameterException(
          "pruner '"
              + pruner
              + "': give either 'keep_ratio' or 'keep_tokens', not both (got keep_ratio="
              + ratio
              + ", keep_tokens="
              + tokens
              + ")");
    }
    if (tokens != null) {
      int count = tokensSpec.parseInt(pruner, tokens);
      if (count > visualTokens) {
        throw new InvalidPrunerParameterException(
            "pruner '"
                + pruner
                + "': parameter 'keep_tokens' = '"
                + tokens
                + "' is invalid; expected an integer in [1, "
                + visualTokens
                + "] for this model ("
                + visualTokens
                + " visual tokens)");
      }
      return new KeepBudget(null, count);
    }
    String text = ratio != null ? ratio : ratioSpec.defaultValue();
    if (text == null) {
      throw new IllegalStateException("keep_ratio spec has no default");
    }
    double fraction = ratioSpec.parseDouble(pruner, text);
    if (fraction <= 0.0) {
      // a plugin's own ratio spec may still allow 0: at least one token must stay
      throw new InvalidPrunerParameterException(
          "pruner '"
              + pruner
              + "': parameter 'keep_ratio' = '"
              + text
              + "' is invalid; expected a number in (0.0, 1.0] (at least some tokens must stay)");
    }
    return new KeepBudget(fraction, null);
  }

  /**
   * Tokens to keep out of {@code liveTokens}: at least one (when any is live), at most all of them.
   */
  public int keepCount(int liveTokens) {
    if (liveTokens <= 0) {
      return 0;
    }
    long wanted =
        keepTokens != null
            ? keepTokens
            : Math.round(liveTokens * (double) (keepRatio == null ? 1.0 : keepRatio));
    return (int) Math.max(1, Math.min(liveTokens, wanted));
  }
}
