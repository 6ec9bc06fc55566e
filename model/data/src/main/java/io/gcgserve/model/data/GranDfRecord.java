package io.gcgserve.model.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One image's annotation in GranDf's GCG form: the plain caption and its grounded phrases with
 * character spans ({@code token_positives}) and masks.
 *
 * @param fileName image file name, relative to the dataset's image folder
 * @param width image width in pixels
 * @param height image height in pixels
 * @param caption plain caption, without {@code <p>}/{@code [SEG]} markers
 * @param groundings phrases in caption order (by start offset)
 */
public record GranDfRecord(
    String fileName, int width, int height, String caption, List<Grounding> groundings) {

  /** Null checks and a defensive copy. */
  public GranDfRecord {
    Objects.requireNonNull(fileName, "fileName is null");
    Objects.requireNonNull(caption, "caption is null");
    groundings = List.copyOf(groundings);
  }

  /** The annotation of a generated scene stored under {@code fileName}. */
  public static GranDfRecord of(String fileName, Scene scene) {
    return new GranDfRecord(
        fileName,
        scene.image().width(),
        scene.image().height(),
        scene.plainCaption(),
        scene.groundings());
  }

  /**
   * The caption with GCG markers put back around every phrase ({@code <p> phrase </p> [SEG]}), the
   * form the model generates; for captions written by our generator this is exactly {@link
   * Scene#caption()}.
   */
  public String markedCaption() {
    StringBuilder marked = new StringBuilder();
    int position = 0;
    List<Grounding> ordered = new ArrayList<>(groundings);
    ordered.sort((a, b) -> Integer.compare(a.start(), b.start()));
    for (Grounding grounding : ordered) {
      if (grounding.start() < position) {
        continue; // overlapping spans cannot both be marked; GranDf's loaders skip them too
      }
      marked.append(caption, position, grounding.start());
      marked.append(SceneVocabulary.PHRASE_OPEN).append(' ');
      marked.append(caption, grounding.start(), grounding.end());
      marked.append(' ').append(SceneVocabulary.PHRASE_CLOSE);
      marked.append(' ').append(SceneVocabulary.SEG);
      position = grounding.end();
    }
    marked.append(caption, position, caption.length());
    return marked.toString();
  }
}
