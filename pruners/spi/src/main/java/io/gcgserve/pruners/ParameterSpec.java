package io.gcgserve.pruners;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One typed pruner parameter: its name, type, allowed range or values, default and description.
 * Parses and validates the textual value a client sent, with messages that name what is allowed.
 *
 * @param name parameter name as clients spell it, e.g. {@code keep_ratio}
 * @param type value type
 * @param description one sentence for {@code ListPruners}
 * @param defaultValue textual default, or null when the parameter is optional with no default
 * @param min lower bound for numeric types (per element for lists), or null; inclusive unless
 *     {@code minExclusive}
 * @param max inclusive upper bound for numeric types (per element for lists), or null
 * @param allowedValues allowed values for {@link Type#ENUM}, empty otherwise
 * @param minExclusive whether {@code min} itself is refused, as for a fraction in {@code (0, 1]}
 */
public record ParameterSpec(
    String name,
    Type type,
    String description,
    @Nullable String defaultValue,
    @Nullable Double min,
    @Nullable Double max,
    List<String> allowedValues,
    boolean minExclusive) {

  /** Value types a pruner parameter can have. */
  public enum Type {
    INT,
    DOUBLE,
    BOOLEAN,
    ENUM,
    /** Comma-separated integers, e.g. {@code 2,4,6}. */
    INT_LIST
  }

  /** Validates the spec itself. */
  public ParameterSpec {
    Objects.requireNonNull(name, "name is null");
    Objects.requireNonNull(type, "type is null");
    Objects.requireNonNull(description, "description is null");
    allowedValues = List.copyOf(allowedValues);
    if (type == Type.ENUM && allowedValues.isEmpty()) {
      throw new IllegalArgumentException("enum parameter " + name + " needs allowed values");
    }
    if (minExclusive && (type != Type.DOUBLE || min == null)) {
      throw new IllegalArgumentException(
          "parameter " + name + ": only a DOUBLE with a minimum can exclude its minimum");
    }
  }

  /** A spec whose minimum, if any, is inclusive (the form before exclusive minimums existed). */
  public ParameterSpec(
      String name,
      Type type,
      String description,
      @Nullable String defaultValue,
      @Nullable Double min,
      @Nullable Double max,
      List<String> allowedValues) {
    this(name, type, description, defaultValue, min, max, allowedValues, false);
  }

  /** An integer parameter in {@code [min, max]}. */
  public static ParameterSpec ofInt(
      String name, String description, @Nullable Integer defaultValue, int min, int max) {
    return new ParameterSpec(
        name,
        Type.INT,
        description,
        defaultValue == null ? null : defaultValue.toString(),
        (double) min,
        (double) max,
        List.of());
  }

  /** A real parameter in {@code [min, max]}. */
  public static ParameterSpec ofDouble(
      String name, String description, @Nullable Double defaultValue, double min, double max) {
    return new ParameterSpec(
        name,
        Type.DOUBLE,
        description,
        defaultValue == null ? null : defaultValue.toString(),
        min,
        max,
        List.of());
  }

  /** A real parameter in {@code (min, max]}: {@code min} itself is refused. */
  public static ParameterSpec ofDoubleAboveMin(
      String name, String description, @Nullable Double defaultValue, double min, double max) {
    return new ParameterSpec(
        name,
        Type.DOUBLE,
        description,
        defaultValue == null ? null : defaultValue.toString(),
        min,
        max,
        List.of(),
        true);
  }

  /** An enumerated parameter. */
  public static ParameterSpec ofEnum(
      String name, String description, String defaultValue, List<String> allowedValues) {
    return new ParameterSpec(name, Type.ENUM, description, defaultValue, null, null, allowedValues);
  }

  /** A list of integers, each in {@code [min, max]}. */
  public static ParameterSpec ofIntList(
      String name, String description, @Nullable String defaultValue, int min, int max) {
    return new ParameterSpec(
        name, Type.INT_LIST, description, defaultValue, (double) min, (double) max, List.of());
  }

  /** Human-readable allowed range, e.g. {@code an integer in [1, 576]}. */
  public String allowedDescription() {
    return switch (type) {
      case INT -> "an integer in [" + integral(min) + ", " + integral(max) + "]";
      case DOUBLE -> "a number in " + (minExclusive ? "(" : "[") + min + ", " + max + "]";
      case BOOLEAN -> "true or false";
      case ENUM -> "one of " + String.join(", ", allowedValues);
      case INT_LIST ->
          "comma-separated integers, each in [" + integral(min) + ", " + integral(max) + "]";
    };
  }

  private InvalidPrunerParameterException invalid(String pruner, String value) {
    return new InvalidPrunerParameterException(
        "pruner '"
            + pruner
            + "': parameter '"
            + name
            + "' = '"
            + value
            + "' is invalid; expected "
            + allowedDescription());
  }

  /** A bound of an integer type; the factories for those types always set both. */
  private static long integral(@Nullable Double bound) {
    return (long) (double) Objects.requireNonNull(bound, "integer parameter without a bound");
  }

  /** Parses an integer value, or throws naming the allowed range. */
  public int parseInt(String pruner, String value) {
    requireType(Type.INT);
    long parsed;
    try {
      parsed = Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw invalid(pruner, value);
    }
    if ((min != null && parsed < min) || (max != null && parsed > max)) {
      throw invalid(pruner, value);
    }
    return (int) parsed;
  }

  /** Parses a real value, or throws naming the allowed range; NaN and infinities are rejected. */
  public double parseDouble(String pruner, String value) {
    requireType(Type.DOUBLE);
    double parsed;
    try {
      parsed = Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw invalid(pruner, value);
    }
    if (!Double.isFinite(parsed) || !inRange(parsed)) {
      throw invalid(pruner, value);
    }
    return parsed;
  }

  /** Whether {@code value} lies in this spec's bounds (exclusive minimum included). */
  public boolean inRange(double value) {
    if (min != null && (minExclusive ? value <= min : value < min)) {
      return false;
    }
    return max == null || value <= max;
  }

  /** Parses an enum value (case-insensitive), returning the canonical spelling. */
  public String parseEnum(String pruner, String value) {
    requireType(Type.ENUM);
    String wanted = value.trim().toLowerCase(Locale.ROOT);
    for (String allowed : allowedValues) {
      if (allowed.toLowerCase(Locale.ROOT).equals(wanted)) {
        return allowed;
      }
    }
    throw invalid(pruner, value);
  }

  /** Parses {@code true} or {@code false}. */
  public boolean parseBoolean(String pruner, String value) {
    requireType(Type.BOOLEAN);
    String wanted = value.trim().toLowerCase(Locale.ROOT);
    if (wanted.equals("true") || wanted.equals("false")) {
      return Boolean.parseBoolean(wanted);
    }
    throw invalid(pruner, value);
  }

  /** Parses a comma-separated integer list, each element range-checked. */
  public int[] parseIntList(String pruner, String value) {
    requireType(Type.INT_LIST);
    String[] parts = value.split(",");
    int[] out = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        out[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        throw invalid(pruner, value);
      }
      if ((min != null && out[i] < min) || (max != null && out[i] > max)) {
        throw invalid(pruner, value);
      }
    }
    return out;
  }

  private void requireType(Type expected) {
    if (type != expected) {
      throw new IllegalStateException("parameter " + name + " is " + type + ", not " + expected);
    }
  }

  /**
   * Rejects names not in {@code specs}, listing the accepted ones. Every factory calls this first
   * so a typo never silently falls back to a default.
   */
  public static void rejectUnknown(
      String pruner, Map<String, String> rawParameters, List<ParameterSpec> specs) {
    List<String> known = new ArrayList<>();
    for (ParameterSpec spec : specs) {
      known.add(spec.name());
    }
    for (String given : rawParameters.keySet()) {
      if (!known.contains(given)) {
        throw new InvalidPrunerParameterException(
            "pruner '"
                + pruner
                + "' has no parameter '"
                + given
                + "'; "
                + (known.isEmpty()
                    ? "it takes no parameters"
                    : "known: " + String.join(", ", known)));
      }
    }
  }
}
