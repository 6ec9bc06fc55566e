package io.gcgserve.model.data;

import io.gcgserve.model.image.ImageFiles;
import io.gcgserve.pruners.ImageRgb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A GranDf-style dataset directory: one annotation file and the images it names. Our writer lays it
 * out as {@code annotations.json} plus {@code images/NAME.png}; for a real GranDf split, point it
 * at a directory holding the annotation JSON (e.g. {@code val_gcg.json}) and the images, either
 * beside it or under {@code images/}.
 */
public final class GranDfDataset {

  /** Annotation file name our writer uses. */
  public static final String ANNOTATIONS_FILE = "annotations.json";

  /** Image folder our writer uses. */
  public static final String IMAGES_FOLDER = "images";

  private final Path imageDirectory;
  private final List<GranDfRecord> records;

  private GranDfDataset(Path imageDirectory, List<GranDfRecord> records) {
    this.imageDirectory = imageDirectory;
    this.records = List.copyOf(records);
  }

  /**
   * Opens a dataset directory: {@code annotations.json} if present, else the only {@code .json}
   * file in it; images from {@code images/} if that folder exists, else the directory itself.
   *
   * @throws IOException when no single annotation file is found or it cannot be parsed
   */
  public static GranDfDataset open(Path directory) throws IOException {
    Path annotations = directory.resolve(ANNOTATIONS_FILE);
    if (!Files.isRegularFile(annotations)) {
      List<Path> candidates;
      try (Stream<Path> files = Files.list(directory)) {
        candidates = files.filter(path -> path.toString().endsWith(".json")).sorted().toList();
      }
      if (candidates.size() != 1) {
        throw new IOException(
            directory
                + " must hold "
                + ANNOTATIONS_FILE
                + " or exactly one .json annotation file, found "
                + candidates.size());
      }
      annotations = candidates.get(0);
    }
    Path images = directory.resolve(IMAGES_FOLDER);
    try {
      return new GranDfDataset(
          Files.isDirectory(images) ? images : directory, GranDfJson.read(annotations));
    } catch (IllegalArgumentException e) {
      throw new IOException(annotations + ": " + e.getMessage(), e);
    }
  }

  /** The annotations, in file order. */
  public List<GranDfRecord> records() {
    return records;
  }

  /** Decodes the image of {@code record}. */
  public ImageRgb loadImage(GranDfRecord record) throws IOException {
    return ImageFiles.read(imageFile(record));
  }

  /**
   * The file holding the image of {@code record}: its name under the image folder, or, when no such
   * file exists, its bare name there (GranDf file names sometimes carry a folder prefix).
   */
  public Path imageFile(GranDfRecord record) {
    Path file = imageDirectory.resolve(record.fileName());
    if (!Files.isRegularFile(file)) {
      file = imageDirectory.resolve(Path.of(record.fileName()).getFileName().toString());
    }
    return file;
  }
}
