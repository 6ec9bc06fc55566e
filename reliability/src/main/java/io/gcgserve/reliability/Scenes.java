package io.gcgserve.reliability;

import io.gcgserve.model.data.GranDfDataset;
import io.gcgserve.model.data.GranDfWriter;
import io.gcgserve.model.data.SceneGenerator;
import io.gcgserve.model.data.Split;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The PNG images requests carry: synthetic val scenes 0..n-1, generated into a directory. */
final class Scenes {

  /** Seed of the synthetic split, as {@code bin/gcg-data}'s default. */
  private static final long SEED = 2024;

  private Scenes() {}

  /** Generates scenes {@code 0..count-1} into {@code directory} and reads their PNG bytes. */
  static List<byte[]> generate(int count, Path directory) throws IOException {
    SceneGenerator generator = new SceneGenerator(SEED);
    List<byte[]> images = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    try (GranDfWriter writer = new GranDfWriter(directory)) {
      for (int i = 0; i < count; i++) {
        String name = GranDfWriter.fileName(Split.VAL, i);
        writer.add(name, generator.generate(Split.VAL, i));
        files.add(directory.resolve(GranDfDataset.IMAGES_FOLDER).resolve(name));
      }
    }
    for (Path file : files) {
      images.add(Files.readAllBytes(file));
    }
    return images;
  }
}
