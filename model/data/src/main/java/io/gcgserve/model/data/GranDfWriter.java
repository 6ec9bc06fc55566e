package io.gcgserve.model.data;

import io.gcgserve.model.image.ImageFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Writes scenes as a GranDf-style dataset directory ({@code images/NAME.png} and {@code
 * annotations.json}), the layout {@link GranDfDataset#open} reads. Images are written as they are
 * added; the annotation file when the writer is closed.
 */
public final class GranDfWriter implements AutoCloseable {

  private final Path directory;
  private final List<GranDfRecord> records = new ArrayList<>();

  /** Creates {@code directory} and its image folder. */
  public GranDfWriter(Path directory) throws IOException {
    this.directory = Objects.requireNonNull(directory, "directory is null");
    Files.createDirectories(directory.resolve(GranDfDataset.IMAGES_FOLDER));
  }

  /** Writes the scene's image as {@code fileName} and keeps its annotation for {@link #close}. */
  public void add(String fileName, Scene scene) throws IOException {
    ImageFiles.writePng(
        scene.image(), directory.resolve(GranDfDataset.IMAGES_FOLDER).resolve(fileName));
    records.add(GranDfRecord.of(fileName, scene));
  }

  /** Writes {@code annotations.json}. */
  @Override
  public void close() throws IOException {
    GranDfJson.write(directory.resolve(GranDfDataset.ANNOTATIONS_FILE), records);
  }

  /** The conventional file name of scene {@code index} of {@code split}: {@code val_000042.png}. */
  public static String fileName(Split split, long index) {
    return String.format(
        java.util.Locale.ROOT,
        "%s_%06d.png",
        split.name().toLowerCase(java.util.Locale.ROOT),
        index);
  }
}
