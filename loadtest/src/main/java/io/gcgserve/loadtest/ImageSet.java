package io.gcgserve.loadtest;

import io.gcgserve.eval.ab.QualityScoring;
import io.gcgserve.model.data.GranDfDataset;
import io.gcgserve.model.data.GranDfWriter;
import io.gcgserve.model.data.SceneGenerator;
import io.gcgserve.model.data.Split;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The images requests carry, read once into memory: a directory's PNG/JPEG files (a GranDf
 * directory's {@code images/} folder included), or the synthetic val split, generated on the fly
 * and written as a GranDf directory so that it is its own ground truth.
 *
 * @param names file names, for the per-request records
 * @param bytes the encoded images
 * @param sha256 each image's SHA-256, how quality scoring matches a caption to its ground truth
 * @param groundTruth the GranDf directory of the synthetic scenes, null for a given directory
 */
record ImageSet(
    List<String> names, List<byte[]> bytes, List<String> sha256, @Nullable Path groundTruth) {

  /** Generator seed of the synthetic split, as {@code bin/gcg-data}'s default. */
  static final long SYNTHETIC_SEED = 2024;

  /** Number of images. */
  int size() {
    return bytes.size();
  }

  /**
   * Reads every PNG/JPEG of {@code directory} (or of its {@code images/} folder), sorted by name.
   */
  static ImageSet fromDirectory(Path directory) throws IOException {
    Path folder = directory;
    if (Files.isDirectory(directory.resolve(GranDfDataset.IMAGES_FOLDER))) {
      folder = directory.resolve(GranDfDataset.IMAGES_FOLDER);
    }
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException("--images " + directory + " is not a directory");
    }
    List<Path> files;
    try (Stream<Path> listing = Files.list(folder)) {
      files =
          listing
              .filter(
                  file -> {
                    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
                    return name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg");
                  })
              .sorted()
              .toList();
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException(
          "--images " + directory + " holds no .png, .jpg or .jpeg file");
    }
    return read(files, null);
  }

  /**
   * Generates scenes {@code 0..count-1} of the synthetic val split into {@code directory} as a
   * GranDf directory and reads them.
   */
  static ImageSet synthetic(int count, Path directory) throws IOException {
    SceneGenerator generator = new SceneGenerator(SYNTHETIC_SEED);
    List<Path> files = new ArrayList<>();
    try (GranDfWriter writer = new GranDfWriter(directory)) {
      for (int i = 0; i < count; i++) {
        String name = GranDfWriter.fileName(Split.VAL, i);
        writer.add(name, generator.generate(Split.VAL, i));
        files.add(directory.resolve(GranDfDataset.IMAGES_FOLDER).resolve(name));
      }
    }
    return read(files, directory);
  }

  private static ImageSet read(List<Path> files, @Nullable Path groundTruth) throws IOException {
    List<String> names = new ArrayList<>();
    List<byte[]> bytes = new ArrayList<>();
    List<String> hashes = new ArrayList<>();
    for (Path file : files) {
      byte[] content = Files.readAllBytes(file);
      names.add(file.getFileName().toString());
      bytes.add(content);
      hashes.add(QualityScoring.sha256(content));
    }
    return new ImageSet(names, bytes, hashes, groundTruth);
  }
}
