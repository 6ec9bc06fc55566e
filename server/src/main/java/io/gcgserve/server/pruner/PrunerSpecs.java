package io.gcgserve.server.pruner;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import io.gcgserve.proto.v1.PrunerSpec;
import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.NoPruner;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns a request's {@link PrunerSpec} into a registry name and the one textual parameter map that
 * every {@link io.gcgserve.pruners.PrunerFactory} validates, so typed built-in parameters and
 * plugin string parameters go through the same checks.
 *
 * <p>The mapping is read from the proto descriptors, not written per pruner: the field of the
 * {@code typed_params} oneof is named after the pruner it belongs to ({@code fastv}, {@code pdrop},
 * {@code altp}), and each field of a typed message is named after the parameter it sets. A new
 * typed message therefore needs no code here, and the server knows no parameter names.
 */
public final class PrunerSpecs {

  private static final OneofDescriptor TYPED_PARAMS =
      PrunerSpec.getDescriptor().getOneofs().stream()
          .filter(oneof -> oneof.getName().equals("typed_params"))
          .findFirst()
          .orElseThrow();

  private PrunerSpecs() {}

  /** The canonical pruner name: trimmed, lowercase, {@code none} when empty. */
  public static String name(PrunerSpec spec) {
    String name = spec.getName().trim().toLowerCase(Locale.ROOT);
    return name.isEmpty() ? NoPruner.NAME : name;
  }

  /**
   * The parameters as name → text: set typed fields first (in field order), then the {@code params}
   * map.
   *
   * @throws InvalidPrunerParameterException when typed parameters belong to another pruner or a
   *     parameter is given both ways
   */
  public static Map<String, String> parameters(PrunerSpec spec) {
    String name = name(spec);
    Map<String, String> parameters = new LinkedHashMap<>();
    FieldDescriptor typed = spec.getOneofFieldDescriptor(TYPED_PARAMS);
    if (typed != null) {
      String owner = typed.getName();
      if (!name.equals(owner)) {
        throw new InvalidPrunerParameterException(
            "typed parameters '"
                + owner
                + "' belong to pruner '"
                + owner
                + "' but the request names '"
                + name
                + "'; use params for other pruners");
      }
      Message message = (Message) spec.getField(typed);
      for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
        parameters.put(field.getKey().getName(), text(field.getValue()));
      }
    }
    for (Map.Entry<String, String> entry : spec.getParamsMap().entrySet()) {
      if (parameters.containsKey(entry.getKey())) {
        throw new InvalidPrunerParameterException(
            "pruner '"
                + name
                + "': parameter '"
                + entry.getKey()
                + "' is given both as a typed field and in params; give it once");
      }
      parameters.put(entry.getKey(), entry.getValue());
    }
    return parameters;
  }

  /**
   * A field value as the text a factory parses: numbers as Java prints them, lists comma-joined.
   */
  private static String text(Object value) {
    if (value instanceof List<?> values) {
      return values.stream().map(PrunerSpecs::text).collect(Collectors.joining(","));
    }
    return String.valueOf(value);
  }
}
