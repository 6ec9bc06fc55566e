package io.gcgserve.server.pruner;

import io.gcgserve.proto.v1.AltpParams;
import io.gcgserve.proto.v1.FastVParams;
import io.gcgserve.proto.v1.PrunerSpec;
import io.gcgserve.proto.v1.PyramidDropParams;
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
 */
public final class PrunerSpecs {

  /** Registry name of FastV; the typed {@code fastv} parameters belong to it. */
  public static final String FASTV = "fastv";

  /** Registry name of PyramidDrop; the typed {@code pdrop} parameters belong to it. */
  public static final String PDROP = "pdrop";

  /** Registry name of ALTP; the typed {@code altp} parameters belong to it. */
  public static final String ALTP = "altp";

  private PrunerSpecs() {}

  /** The canonical pruner name: trimmed, lowercase, {@code none} when empty. */
  public static String name(PrunerSpec spec) {
    String name = spec.getName().trim().toLowerCase(Locale.ROOT);
    return name.isEmpty() ? NoPruner.NAME : name;
  }

  /**
   * The parameters as name → text: set typed fields first, then the {@code params} map.
   *
   * @throws InvalidPrunerParameterException when typed parameters belong to another pruner or a
   *     parameter is given both ways
   */
  public static Map<String, String> parameters(PrunerSpec spec) {
    String name = name(spec);
    Map<String, String> parameters = new LinkedHashMap<>();
    switch (spec.getTypedParamsCase()) {
      case FASTV -> {
        requireTypedFor(name, FASTV, "fastv");
        FastVParams fastv = spec.getFastv();
        if (fastv.hasK()) {
          parameters.put("k", Integer.toString(fastv.getK()));
        }
        if (fastv.hasKeepRatio()) {
          parameters.put("keep_ratio", Double.toString(fastv.getKeepRatio()));
        }
        if (fastv.hasKeepTokens()) {
          parameters.put("keep_tokens", Integer.toString(fastv.getKeepTokens()));
        }
      }
      case PDROP -> {
        requireTypedFor(name, PDROP, "pdrop");
        PyramidDropParams pdrop = spec.getPdrop();
        if (pdrop.getStageLayersCount() > 0) {
          parameters.put("stage_layers", joined(pdrop.getStageLayersList()));
        }
        if (pdrop.hasLambda()) {
          parameters.put("lambda", Double.toString(pdrop.getLambda()));
        }
        if (pdrop.hasKeepTokens()) {
          parameters.put("keep_tokens", Integer.toString(pdrop.getKeepTokens()));
        }
      }
      case ALTP -> {
        requireTypedFor(name, ALTP, "altp");
        AltpParams altp = spec.getAltp();
        if (altp.hasKeepRatio()) {
          parameters.put("keep_ratio", Double.toString(altp.getKeepRatio()));
        }
        if (altp.hasKeepTokens()) {
          parameters.put("keep_tokens", Integer.toString(altp.getKeepTokens()));
        }
        if (altp.hasK()) {
          parameters.put("k", Integer.toString(altp.getK()));
        }
        if (altp.hasNSuperpixels()) {
          parameters.put("n_superpixels", Integer.toString(altp.getNSuperpixels()));
        }
        if (altp.hasCompactness()) {
          parameters.put("compactness", Double.toString(altp.getCompactness()));
        }
        if (altp.hasSigma()) {
          parameters.put("sigma", Double.toString(altp.getSigma()));
        }
        if (altp.hasTemperature()) {
          parameters.put("temperature", Double.toString(altp.getTemperature()));
        }
        if (altp.hasMinPerRegion()) {
          parameters.put("min_per_region", Integer.toString(altp.getMinPerRegion()));
        }
        if (altp.hasAllocation()) {
          parameters.put("allocation", altp.getAllocation());
        }
        if (altp.hasSegmentPixelsPerToken()) {
          parameters.put(
              "segment_pixels_per_token", Integer.toString(altp.getSegmentPixelsPerToken()));
        }
      }
      case TYPEDPARAMS_NOT_SET -> {}
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

  private static void requireTypedFor(String name, String owner, String field) {
    if (!name.equals(owner)) {
      throw new InvalidPrunerParameterException(
          "typed parameters '"
              + field
              + "' belong to pruner '"
              + owner
              + "' but the request names '"
              + name
              + "'; use params for other pruners");
    }
  }

  private static String joined(List<Integer> values) {
    return values.stream().map(String::valueOf).collect(Collectors.joining(","));
  }
}
