package io.gcgserve.server.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * One server setting, declared once: its flag, value type, default, description and rule. The
 * command line is built from these declarations and {@link ServerConfig} stores its values by them,
 * so a flag, its default, its help text and its check cannot drift apart.
 *
 * <p>A setting either takes a value ({@code --port 6000}) or is a switch ({@code --no-warm-up}): a
 * switch takes no value and, when given, sets its {@code switchedValue}.
 *
 * @param <T> the value's type
 */
public final class Setting<T> {

  private final String flag;
  private final @Nullable String valueLabel;
  private final Class<T> type;
  private final @Nullable T defaultValue;
  private final String absentText;
  private final String description;
  private final Function<String, T> parser;
  private final Function<T, String> formatter;
  private final Predicate<T> rule;
  private final String requirement;
  private final @Nullable T switchedValue;

  private Setting(
      String flag,
      @Nullable String valueLabel,
      Class<T> type,
      @Nullable T defaultValue,
      String absentText,
      String description,
      Function<String, T> parser,
      Function<T, String> formatter,
      Predicate<T> rule,
      String requirement,
      @Nullable T switchedValue) {
    this.flag = requireNonNull(flag, "flag is null");
    this.valueLabel = valueLabel;
    this.type = requireNonNull(type, "type is null");
    this.defaultValue = defaultValue;
    this.absentText = requireNonNull(absentText, "absentText is null");
    this.description = requireNonNull(description, "description is null");
    this.parser = requireNonNull(parser, "parser is null");
    this.formatter = requireNonNull(formatter, "formatter is null");
    this.rule = requireNonNull(rule, "rule is null");
    this.requirement = requireNonNull(requirement, "requirement is null");
    this.switchedValue = switchedValue;
  }

  /**
   * A setting that takes a value of {@code type}, read by {@code parser}, shown by {@code
   * formatter}.
   */
  public static <T> Setting<T> of(
      String flag,
      String valueLabel,
      Class<T> type,
      T defaultValue,
      String description,
      Function<String, T> parser,
      Function<T, String> formatter) {
    requireNonNull(defaultValue, "defaultValue is null");
    return new Setting<>(
        flag,
        requireNonNull(valueLabel, "valueLabel is null"),
        type,
        defaultValue,
        "",
        description,
        parser,
        formatter,
        value -> true,
        "",
        null);
  }

  /** A whole-number setting. */
  public static Setting<Integer> ofInteger(
      String flag, String valueLabel, int defaultValue, String description) {
    return of(
        flag,
        valueLabel,
        Integer.class,
        defaultValue,
        description,
        Setting::parseInteger,
        String::valueOf);
  }

  /** A text setting. */
  public static Setting<String> ofText(
      String flag, String valueLabel, String defaultValue, String description) {
    return of(
        flag, valueLabel, String.class, defaultValue, description, text -> text, text -> text);
  }

  /** A path setting whose absence means something else, described by {@code absentText}. */
  public static Setting<Path> ofOptionalPath(
      String flag, String valueLabel, String absentText, String description) {
    return new Setting<>(
        flag,
        requireNonNull(valueLabel, "valueLabel is null"),
        Path.class,
        null,
        absentText,
        description,
        Setting::parsePath,
        Path::toString,
        value -> true,
        "",
        null);
  }

  /**
   * A switch: a flag without a value that, when given, turns the boolean to {@code switchedValue}.
   */
  public static Setting<Boolean> ofSwitch(
      String flag, boolean defaultValue, boolean switchedValue, String description) {
    return new Setting<>(
        flag,
        null,
        Boolean.class,
        defaultValue,
        "",
        description,
        Boolean::valueOf,
        String::valueOf,
        value -> true,
        "",
        switchedValue);
  }

  /**
   * This setting with a rule every value must pass; {@code requirement} says what it is, as in
   * "must be at least 1".
   */
  public Setting<T> requiring(Predicate<T> newRule, String newRequirement) {
    return new Setting<>(
        flag,
        valueLabel,
        type,
        defaultValue,
        absentText,
        description,
        parser,
        formatter,
        requireNonNull(newRule, "newRule is null"),
        requireNonNull(newRequirement, "newRequirement is null"),
        switchedValue);
  }

  /** The command-line flag, e.g. {@code --port}. */
  public String flag() {
    return flag;
  }

  /** What the help calls the value, e.g. {@code PORT}; null for a switch. */
  public @Nullable String valueLabel() {
    return valueLabel;
  }

  /** The value's type. */
  public Class<T> type() {
    return type;
  }

  /** The value when the flag is not given; null only for an optional setting. */
  public @Nullable T defaultValue() {
    return defaultValue;
  }

  /** What the setting is for, one or two sentences, for the help. */
  public String description() {
    return description;
  }

  /** True for a flag that takes no value. */
  public boolean isSwitch() {
    return switchedValue != null;
  }

  /** The value a switch sets when given; null for a setting that takes a value. */
  public @Nullable T switchedValue() {
    return switchedValue;
  }

  /** True when the value may be absent (null). */
  public boolean isOptional() {
    return defaultValue == null;
  }

  /**
   * How the help shows {@code value}: its text form; for an absent optional value, what absence
   * means; for a switch, whether the switch is on.
   */
  public String display(@Nullable T value) {
    if (value == null) {
      return absentText;
    }
    if (switchedValue != null) {
      return value.equals(switchedValue) ? "on" : "off";
    }
    return formatter.apply(value);
  }

  /**
   * Reads a value from its command-line text and checks it.
   *
   * @throws IllegalArgumentException saying what the value must look like; the flag is not named,
   *     the caller adds it
   */
  public T parse(String text) {
    requireNonNull(text, "text is null");
    T value = parser.apply(text.trim());
    String problem = problem(value);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return value;
  }

  /**
   * Checks {@code value} against the rule.
   *
   * @throws IllegalArgumentException naming the flag, the requirement and the value
   */
  public void check(@Nullable T value) {
    if (value == null) {
      if (!isOptional()) {
        throw new IllegalArgumentException(flag + " must be given");
      }
      return;
    }
    String problem = problem(value);
    if (problem != null) {
      throw new IllegalArgumentException(flag + " " + problem);
    }
  }

  private @Nullable String problem(T value) {
    return rule.test(value) ? null : requirement + ", got " + formatter.apply(value);
  }

  static Integer parseInteger(String text) {
    try {
      return Integer.valueOf(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a whole number, got '" + text + "'");
    }
  }

  private static Path parsePath(String text) {
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("must be a path, got '" + text + "'");
    }
  }

  @Override
  public String toString() {
    return flag;
  }
}
