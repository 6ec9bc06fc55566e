package io.gcgserve.eval.bench;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import io.gcgserve.proto.v1.PrunerSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * One pruner configuration of the load benchmark, parsed from {@code name[:key=value]...} (e.g.
 * {@code altp:keep_ratio=0.1}, {@code pdrop:stage_layers=1,3,5:lambda=0.5}) into the request's
 * {@link PrunerSpec}. A parameter that the pruner's typed message has (every built-in's {@code
 * keep_ratio}, {@code k}, ...) goes into that typed field, as the Java client sends it; any other
 * parameter (plugins) goes into the textual {@code params} map. The typed fields are found from the
 * proto descriptors, so no pruner is special-cased.
 *
 * @param label the configuration as given, used in reports
 * @param spec the request's pruner field
 */
@NullMarked
record PrunerConfig(String label, PrunerSpec spec) {

  private static final String TYPED_PARAMS = "typed_params";

  /** The pruner's registry name. */
  String name() {
    return spec.getName();
  }

  /**
   * Parses a comma-separated list of configurations. A comma followed by a digit or a minus sign
   * continues the previous value (an integer list such as {@code stage_layers=1,3,5}), since no
   * pruner name starts with one.
   */
  static List<PrunerConfig> parseList(String text) {
    List<String> pieces = new ArrayList<>();
    for (String piece : text.split(",", -1)) {
      String trimmed = piece.strip();
      boolean continuesValue =
          !pieces.isEmpty()
              && !trimmed.isEmpty()
              && (Character.isDigit(trimmed.charAt(0)) || trimmed.charAt(0) == '-');
      if (continuesValue) {
        pieces.set(pieces.size() - 1, pieces.get(pieces.size() - 1) + "," + trimmed);
      } else {
        pieces.add(trimmed);
      }
    }
    List<PrunerConfig> configs = new ArrayList<>();
    Set<String> labels = new HashSet<>();
    for (String piece : pieces) {
      PrunerConfig config = parse(piece);
      if (!labels.add(config.label())) {
        throw new IllegalArgumentException("pruner configuration '" + piece + "' is given twice");
      }
      configs.add(config);
    }
    return List.copyOf(configs);
  }

  /** Parses one {@code name[:key=value]...}. */
  static PrunerConfig parse(String text) {
    String label = text.strip();
    String[] parts = label.split(":", -1);
    String name = parts[0].strip();
    if (name.isEmpty()) {
      throw new IllegalArgumentException(
          "pruner configuration '" + text + "' has no pruner name (expected name[:key=value]...)");
    }
    PrunerSpec.Builder spec = PrunerSpec.newBuilder().setName(name);
    FieldDescriptor typedMessage = typedParametersField(name);
    Set<String> keys = new HashSet<>();
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i];
      int equals = parameter.indexOf('=');
      String key = equals < 0 ? "" : parameter.substring(0, equals).strip();
      if (key.isEmpty()) {
        throw new IllegalArgumentException(
            "pruner parameter '" + parameter + "' in '" + text + "' is not key=value");
      }
      if (!keys.add(key)) {
        throw new IllegalArgumentException(
            "pruner parameter " + key + " is given twice in " + text);
      }
      String value = parameter.substring(equals + 1).strip();
      FieldDescriptor typedField =
          typedMessage == null ? null : typedMessage.getMessageType().findFieldByName(key);
      if (typedMessage == null || typedField == null) {
        spec.putParams(key, value);
      } else {
        setTyped(spec.getFieldBuilder(typedMessage), typedField, value, text);
      }
    }
    return new PrunerConfig(label, spec.build());
  }

  /** The {@code typed_params} field named after {@code pruner}, or null for a plugin. */
  private static @Nullable FieldDescriptor typedParametersField(String pruner) {
    FieldDescriptor field =
        PrunerSpec.getDescriptor().findFieldByName(pruner.toLowerCase(Locale.ROOT));
    OneofDescriptor oneof = field == null ? null : field.getContainingOneof();
    return oneof != null && oneof.getName().equals(TYPED_PARAMS) ? field : null;
  }

  private static void setTyped(
      Message.Builder message, FieldDescriptor field, String value, String config) {
    try {
      if (field.isRepeated()) {
        for (String element : value.split(",", -1)) {
          message.addRepeatedField(field, convert(field, element.strip()));
        }
      } else {
        message.setField(field, convert(field, value));
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "pruner parameter "
              + field.getName()
              + "='"
              + value
              + "' in '"
              + config
              + "' is not a valid "
              + field.getJavaType().name().toLowerCase(Locale.ROOT),
          e);
    }
  }

  private static Object convert(FieldDescriptor field, String text) {
    return switch (field.getJavaType()) {
      case INT -> Integer.parseInt(text);
      case LONG -> Long.parseLong(text);
      case DOUBLE -> Double.parseDouble(text);
      case FLOAT -> Float.parseFloat(text);
      case BOOLEAN -> parseBoolean(text);
      case STRING -> text;
      case BYTE_STRING, ENUM, MESSAGE ->
          throw new IllegalArgumentException("unsupported field type " + field.getJavaType());
    };
  }

  private static boolean parseBoolean(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("not true or false: " + text);
    };
  }
}
