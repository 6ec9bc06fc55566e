package io.gcgserve.pruners.altp;

import java.util.List;

/** How ALTP splits the keep budget over superpixel regions. */
public enum Allocation {
  /** DDC + DDF: by softmax of the normalised detail density (the full method). */
  DENSITY("density"),
  /** DDC alone: in proportion to each region's live token count (the paper's ablation). */
  UNIFORM("uniform");

  private final String parameterValue;

  Allocation(String parameterValue) {
    this.parameterValue = parameterValue;
  }

  /** The spelling clients use in the {@code allocation} parameter. */
  public String parameterValue() {
    return parameterValue;
  }

  /** All parameter spellings, in declaration order. */
  public static List<String> parameterValues() {
    return List.of(DENSITY.parameterValue, UNIFORM.parameterValue);
  }

  /** The value for a canonical spelling from {@link #parameterValues()}. */
  public static Allocation fromParameterValue(String value) {
    for (Allocation allocation : values()) {
      if (allocation.parameterValue.equals(value)) {
        return allocation;
      }
    }
    throw new IllegalArgumentException("unknown allocation " + value);
  }
}
