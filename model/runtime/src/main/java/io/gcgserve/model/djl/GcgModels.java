package io.gcgserve.model.djl;

import io.gcgserve.model.StepwiseCaptioner;
import java.nio.file.Path;

/** Entry point for loading a GCG model from an HF-style directory or the bundled checkpoint. */
public final class GcgModels {

  private GcgModels() {}

  /**
   * Loads the checkpoint bundled on the classpath ({@code io/gcgserve/model/bundled/}).
   *
   * @param device {@code auto}, {@code cpu} or {@code gpu}
   * @throws ModelLoadException when the checkpoint is missing or malformed
   */
  public static StepwiseCaptioner loadBundled(String device) {
    return loadBundled(device, GlanceScope.ALL);
  }

  /**
   * {@link #loadBundled(String)} with the phrase glance reading what {@code glanceScope} allows.
   */
  public static StepwiseCaptioner loadBundled(String device, GlanceScope glanceScope) {
    return ModelFiles.loadBundled(ModelFiles.device(device), glanceScope);
  }

  /**
   * Loads {@code config.json}, {@code model.safetensors} and {@code tokenizer.json} from {@code
   * directory}.
   *
   * @param device {@code auto}, {@code cpu} or {@code gpu}
   * @throws ModelLoadException naming the missing file, mismatched shape or unknown key
   */
  public static StepwiseCaptioner load(Path directory, String device) {
    return load(directory, device, GlanceScope.ALL);
  }

  /** {@link #load(Path, String)} with the phrase glance reading what {@code glanceScope} allows. */
  public static StepwiseCaptioner load(Path directory, String device, GlanceScope glanceScope) {
    return ModelFiles.loadDirectory(directory, ModelFiles.device(device), glanceScope);
  }

  /** True when the bundled checkpoint is on the classpath. */
  public static boolean bundledPresent() {
    return ModelFiles.bundledPresent();
  }
}
