package io.gcgserve.pruners;

import java.util.Arrays;

/**
 * The visual tokens a pruner keeps, as original grid indices, strictly increasing.
 *
 * @param keptVisualTokens sorted, duplicate-free grid indices
 */
public record KeepSet(int[] keptVisualTokens) {

  /** Validates ordering; membership in the live set is checked by the model. */
  public KeepSet {
    keptVisualTokens = keptVisualTokens.clone();
    for (int i = 1; i < keptVisualTokens.length; i++) {
      if (keptVisualTokens[i] <= keptVisualTokens[i - 1]) {
        throw new IllegalArgumentException(
            "kept visual tokens must be strictly increasing, got "
                + Arrays.toString(keptVisualTokens));
      }
    }
  }

  /** Builds a keep set from indices in any order; duplicates are an error. */
  public static KeepSet ofUnsorted(int[] indices) {
    int[] sorted = indices.clone();
    Arrays.sort(sorted);
    return new KeepSet(sorted);
  }

  /** Number of tokens kept. */
  public int size() {
    return keptVisualTokens.length;
  }

  @Override
  public int[] keptVisualTokens() {
    return keptVisualTokens.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof KeepSet that && Arrays.equals(keptVisualTokens, that.keptVisualTokens);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(keptVisualTokens);
  }

  @Override
  public String toString() {
    return "KeepSet" + Arrays.toString(keptVisualTokens);
  }
}
