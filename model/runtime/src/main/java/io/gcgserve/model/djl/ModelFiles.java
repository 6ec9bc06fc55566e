package io.gcgserve.model.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.gcgserve.model.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Loads an HF-style model directory ({@code config.json}, {@code model.safetensors}, {@code
 * tokenizer.json}) from disk or from a classpath folder.
 */
public final class ModelFiles {

  /** Classpath folder of the checkpoint bundled with the model module. */
  public static final String BUNDLED_RESOURCE = "io/gcgserve/model/bundled/";

  /** The three files every model directory holds. */
  public static final String CONFIG = "config.json";

  /** Weights file name. */
  public static final String WEIGHTS = "model.safetensors";

  /** Tokenizer file name. */
  public static final String TOKENIZER = "tokenizer.json";

  private ModelFiles() {}

  /** Reads one file of a model; {@code source} is a directory or a classpath folder. */
  interface Source {
    byte[] read(String file);

    String describe();
  }

  /** A model directory on disk. */
  static Source directory(Path directory) {
    return new Source() {
      @Override
      public byte[] read(String file) {
        Path path = directory.resolve(file);
        try {
          return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
          throw new ModelLoadException(
              "model directory "
                  + directory
                  + " has no "
                  + file
                  + " (expected config.json, model.safetensors and tokenizer.json)");
        } catch (IOException e) {
          throw new ModelLoadException("cannot read " + path + ": " + e.getMessage(), e);
        }
      }

      @Override
      public String describe() {
        return directory.toString();
      }
    };
  }

  /** A model folder on the classpath. */
  static Source classpath(String folder) {
    return new Source() {
      @Override
      public byte[] read(String file) {
        ClassLoader loader = ModelFiles.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(folder + file)) {
          if (in == null) {
            throw new ModelLoadException(
                "the bundled model has no "
                    + file
                    + " on the classpath ("
                    + folder
                    + file
                    + "); was the model module built with its checkpoint?");
          }
          return in.readAllBytes();
        } catch (IOException e) {
          throw new ModelLoadException("cannot read classpath " + folder + file, e);
        }
      }

      @Override
      public String describe() {
        return "classpath:" + folder;
      }
    };
  }

  /** True when the bundled checkpoint is on the classpath. */
  public static boolean bundledPresent() {
    return ModelFiles.class.getClassLoader().getResource(BUNDLED_RESOURCE + WEIGHTS) != null;
  }

  /** Resolves {@code auto|cpu|gpu} to a DJL device. */
  public static Device device(String choice) {
    String normalized = choice.trim().toLowerCase(Locale.ROOT);
    int gpus = Engine.getInstance().getGpuCount();
    return switch (normalized) {
      case "cpu" -> Device.cpu();
      case "gpu" -> {
        if (gpus == 0) {
          throw new ModelLoadException(
              "--device gpu was asked for but the engine sees no GPU; build with -Pcuda on a CUDA "
                  + "machine or use --device cpu");
        }
        yield Device.gpu();
      }
      case "auto" -> gpus > 0 ? Device.gpu() : Device.cpu();
      default ->
          throw new ModelLoadException("unknown device '" + choice + "'; use auto, cpu or gpu");
    };
  }

  /** Loads the bundled checkpoint. */
  public static DjlGroundedCaptioner loadBundled(Device device) {
    return loadBundled(device, GlanceScope.ALL);
  }

  /** Loads the bundled checkpoint, its glance reading what {@code glanceScope} allows. */
  public static DjlGroundedCaptioner loadBundled(Device device, GlanceScope glanceScope) {
    return load(classpath(BUNDLED_RESOURCE), device, glanceScope);
  }

  /** Loads a model directory. */
  public static DjlGroundedCaptioner loadDirectory(Path directory, Device device) {
    return loadDirectory(directory, device, GlanceScope.ALL);
  }

  /** Loads a model directory, its glance reading what {@code glanceScope} allows. */
  public static DjlGroundedCaptioner loadDirectory(
      Path directory, Device device, GlanceScope glanceScope) {
    return load(directory(directory), device, glanceScope);
  }

  /** Loads a model from {@code source} onto {@code device}. */
  static DjlGroundedCaptioner load(Source source, Device device, GlanceScope glanceScope) {
    GcgConfig config = GcgConfig.parse(new String(source.read(CONFIG), StandardCharsets.UTF_8));
    byte[] weightBytes = source.read(WEIGHTS);
    GcgTokenizer tokenizer = GcgTokenizer.load(source.read(TOKENIZER));
    NDManager manager = NDManager.newBaseManager(device);
    try {
      Map<String, NDArray> weights =
          SafeTensors.read(weightBytes, manager, source.describe() + "/" + WEIGHTS);
      GcgNetwork network = new GcgNetwork(config, weights);
      return new DjlGroundedCaptioner(manager, network, tokenizer, glanceScope);
    } catch (RuntimeException e) {
      manager.close();
      tokenizer.close();
      throw e;
    }
  }
}
