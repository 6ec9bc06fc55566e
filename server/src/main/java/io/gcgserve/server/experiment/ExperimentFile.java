package io.gcgserve.server.experiment;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.gcgserve.proto.v1.PrunerSpec;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.server.pruner.PrunerSpecs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads and validates an experiments file (YAML, or JSON when the name ends in {@code .json}):
 *
 * <pre>
 * experiments:
 *   - name: fastv-vs-altp          # [A-Za-z0-9][A-Za-z0-9._-]*, at most 64, not "none"
 *     salt: "2026-12-pruning"      # mixed into the hash; change it to reshuffle every key
 *     arms:                        # 2..16; the first is the control of reports
 *       - name: fastv25
 *         weight: 1                # > 0, relative
 *         pruner: {name: fastv, fastv: {keep_ratio: 0.25}}   # a request's PrunerSpec
 *       - name: altp25
 *         weight: 1
 *         pruner: {name: altp, altp: {keep_ratio: 0.25}}
 * </pre>
 *
 * The whole file is checked before anything is put in force, and every problem is reported with its
 * line, column and field: unknown or misspelt keys, missing fields, names, duplicates, weights, arm
 * counts, and each arm's pruner through the same factory checks a request's pruner gets.
 */
public final class ExperimentFile {

  /** Most experiments one file may define; bounds the {@code experiment} metric label. */
  public static final int MAX_EXPERIMENTS = 16;

  /** Fewest arms an experiment may have. */
  public static final int MIN_ARMS = 2;

  /** Most arms an experiment may have; bounds the {@code arm} metric label. */
  public static final int MAX_ARMS = 16;

  /** Longest salt, in characters. */
  public static final int MAX_SALT_CHARS = 256;

  /** Experiment and arm names: safe in metric labels, headers and file names. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** The experiment name reserved for requests without one (the metric label). */
  public static final String RESERVED_NAME = "none";

  private static final Set<String> TOP_KEYS = Set.of("experiments");
  private static final Set<String> EXPERIMENT_KEYS = Set.of("name", "salt", "arms");
  private static final Set<String> ARM_KEYS = Set.of("name", "weight", "pruner");

  private final String file;
  private final LocatedTree tree;
  private final PrunerRegistry registry;
  private final @Nullable ModelGeometry geometry;
  private final List<String> problems = new ArrayList<>();

  private ExperimentFile(
      String file, LocatedTree tree, PrunerRegistry registry, @Nullable ModelGeometry geometry) {
    this.file = file;
    this.tree = tree;
    this.registry = registry;
    this.geometry = geometry;
  }

  /**
   * Reads {@code path} and validates it.
   *
   * @param geometry the served model's geometry, to check each arm's pruner parameters the way a
   *     request's are checked; null checks everything else (before the model is loaded)
   * @throws ExperimentFileException naming every problem, or why the file cannot be read
   */
  public static ExperimentSet read(
      Path path, PrunerRegistry registry, @Nullable ModelGeometry geometry)
      throws ExperimentFileException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (IOException e) {
      throw new ExperimentFileException(path.toString(), List.of(path + ": cannot be read: " + e));
    }
    return parse(path, bytes, registry, geometry);
  }

  /** Validates {@code bytes}, read from {@code path}: JSON when its name ends in .json. */
  static ExperimentSet parse(
      Path path, byte[] bytes, PrunerRegistry registry, @Nullable ModelGeometry geometry)
      throws ExperimentFileException {
    Path name = path.getFileName();
    boolean json = name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".json");
    return parse(path.toString(), bytes, json, registry, geometry);
  }

  /** Validates {@code bytes}, the content of {@code file} (used in messages). */
  static ExperimentSet parse(
      String file,
      byte[] bytes,
      boolean json,
      PrunerRegistry registry,
      @Nullable ModelGeometry geometry)
      throws ExperimentFileException {
    JsonFactory factory = json ? new JsonFactory() : new YAMLFactory();
    LocatedTree tree;
    try {
      tree = LocatedTree.read(factory, bytes);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr();
      String message = e.getOriginalMessage().lines().findFirst().orElse("");
      throw new ExperimentFileException(
          file, List.of(file + where + ": not valid " + (json ? "JSON" : "YAML") + ": " + message));
    } catch (IOException e) {
      throw new ExperimentFileException(
          file, List.of(file + ": not valid " + (json ? "JSON" : "YAML") + ": " + e.getMessage()));
    }
    ExperimentFile reader = new ExperimentFile(file, tree, registry, geometry);
    List<Experiment> experiments = reader.experiments();
    if (!reader.problems.isEmpty()) {
      throw new ExperimentFileException(file, reader.problems);
    }
    return new ExperimentSet(experiments, sha256(bytes));
  }

  private List<Experiment> experiments() {
    JsonNode root = tree.root();
    if (!root.isObject()) {
      problem("", "the file must be a mapping with the key 'experiments'");
      return List.of();
    }
    checkKeys(root, "", TOP_KEYS);
    JsonNode list = root.get("experiments");
    if (list == null || !list.isArray()) {
      problem("", "'experiments' must be a list of experiments");
      return List.of();
    }
    if (list.size() > MAX_EXPERIMENTS) {
      problem(
          "experiments",
          list.size() + " experiments; at most " + MAX_EXPERIMENTS + " may be in force at once");
    }
    List<Experiment> experiments = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String path = "experiments[" + i + "]";
      Experiment experiment = experiment(list.get(i), path);
      if (experiment != null && !names.add(experiment.name())) {
        problem(path + ".name", "experiment '" + experiment.name() + "' is defined twice");
      }
      if (experiment != null) {
        experiments.add(experiment);
      }
    }
    return experiments;
  }

  private @Nullable Experiment experiment(JsonNode node, String path) {
    if (!node.isObject()) {
      problem(path, "an experiment must be a mapping with name, salt and arms");
      return null;
    }
    checkKeys(node, path, EXPERIMENT_KEYS);
    String name = name(node, path, "experiment");
    if (RESERVED_NAME.equals(name)) {
      problem(path + ".name", "'none' is reserved (the metric label of requests without one)");
    }
    String salt = text(node, path + ".salt", "salt");
    if (salt != null && (salt.isEmpty() || salt.length() > MAX_SALT_CHARS)) {
      problem(path + ".salt", "must be 1 to " + MAX_SALT_CHARS + " characters");
    }
    JsonNode armList = node.get("arms");
    if (armList == null || !armList.isArray()) {
      problem(path + (armList == null ? "" : ".arms"), "'arms' must be a list of arms");
      return null;
    }
    if (armList.size() < MIN_ARMS || armList.size() > MAX_ARMS) {
      problem(
          path + ".arms",
          "has " + armList.size() + " arms; an experiment has " + MIN_ARMS + " to " + MAX_ARMS);
    }
    List<JsonNode> armNodes = new ArrayList<>();
    armList.forEach(armNodes::add);
    double total = 0;
    for (JsonNode arm : armNodes) {
      JsonNode weight = arm.get("weight");
      if (weight != null && weight.isNumber() && weight.doubleValue() > 0) {
        total += weight.doubleValue();
      }
    }
    List<Arm> arms = new ArrayList<>();
    Set<String> armNames = new HashSet<>();
    for (int i = 0; i < armNodes.size(); i++) {
      String armPath = path + ".arms[" + i + "]";
      Arm arm = arm(armNodes.get(i), armPath, total);
      if (arm != null && !armNames.add(arm.name())) {
        problem(armPath + ".name", "arm '" + arm.name() + "' is defined twice in this experiment");
      }
      if (arm != null) {
        arms.add(arm);
      }
    }
    if (name == null || salt == null || arms.size() != armNodes.size() || arms.isEmpty()) {
      return null;
    }
    return new Experiment(name, salt, arms);
  }

  private @Nullable Arm arm(JsonNode node, String path, double totalWeight) {
    if (!node.isObject()) {
      problem(path, "an arm must be a mapping with name, weight and pruner");
      return null;
    }
    checkKeys(node, path, ARM_KEYS);
    String name = name(node, path, "arm");
    JsonNode weightNode = node.get("weight");
    double weight = Double.NaN;
    if (weightNode == null) {
      problem(path, "missing 'weight' (a positive number)");
    } else if (!weightNode.isNumber()) {
      problem(path + ".weight", "must be a positive number, got '" + weightNode.asText() + "'");
    } else {
      weight = weightNode.doubleValue();
      if (!(weight > 0 && Double.isFinite(weight))) {
        problem(path + ".weight", "must be a positive number, got " + weightNode.asText());
      }
    }
    PrunerSpec spec = null;
    Map<String, String> parameters = Map.of();
    JsonNode prunerNode = node.get("pruner");
    if (prunerNode == null) {
      problem(
          path, "missing 'pruner' (a PrunerSpec, e.g. {name: fastv, fastv: {keep_ratio: 0.25}})");
    } else {
      spec = prunerSpec(prunerNode, path + ".pruner");
      if (spec != null) {
        parameters = checkedParameters(spec, path + ".pruner");
      }
    }
    if (name == null || spec == null || parameters == null || !(weight > 0)) {
      return null;
    }
    if (!Double.isFinite(weight)) {
      return null;
    }
    return new Arm(name, spec, PrunerSpecs.name(spec), parameters, weight, weight / totalWeight);
  }

  private @Nullable PrunerSpec prunerSpec(JsonNode node, String path) {
    if (!node.isObject()) {
      problem(path, "must be a mapping in a request's PrunerSpec shape, e.g. {name: altp}");
      return null;
    }
    PrunerSpec.Builder spec = PrunerSpec.newBuilder();
    try {
      JsonFormat.parser().merge(node.toString(), spec);
    } catch (InvalidProtocolBufferException e) {
      problem(path, "not a PrunerSpec: " + e.getMessage());
      return null;
    }
    return spec.build();
  }

  /** The parameters, checked by the pruner's factory; null (and a problem) when refused. */
  private @Nullable Map<String, String> checkedParameters(PrunerSpec spec, String path) {
    try {
      PrunerFactory factory = registry.require(PrunerSpecs.name(spec));
      Map<String, String> parameters = PrunerSpecs.parameters(spec);
      if (geometry != null) {
        factory.create(parameters, geometry);
      }
      return parameters;
    } catch (IllegalArgumentException e) {
      problem(path, String.valueOf(e.getMessage()));
      return null;
    }
  }

  private @Nullable String name(JsonNode node, String path, String what) {
    String name = text(node, path + ".name", "name");
    if (name != null && !NAME.matcher(name).matches()) {
      problem(
          path + ".name",
          what
              + " name '"
              + name
              + "' must be 1 to 64 of letters, digits, '.', '_', '-', starting with a letter"
              + " or digit");
      return null;
    }
    return name;
  }

  private @Nullable String text(JsonNode parent, String path, String key) {
    JsonNode node = parent.get(key);
    if (node == null) {
      int dot = path.lastIndexOf('.');
      problem(path.substring(0, Math.max(dot, 0)), "missing '" + key + "'");
      return null;
    }
    if (!node.isTextual() && !node.isNumber()) {
      problem(path, "must be text");
      return null;
    }
    return node.asText();
  }

  private void checkKeys(JsonNode node, String path, Set<String> allowed) {
    for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!allowed.contains(key)) {
        problem(
            path.isEmpty() ? key : path + "." + key,
            "unknown key '" + key + "'; allowed here: " + String.join(", ", sorted(allowed)));
      }
    }
  }

  private static List<String> sorted(Set<String> keys) {
    return keys.stream().sorted().toList();
  }

  private void problem(String path, String message) {
    problems.add(
        file + ":" + tree.locate(path) + ": " + (path.isEmpty() ? "" : path + ": ") + message);
  }

  /** SHA-256 of {@code bytes}, lowercase hex. */
  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
