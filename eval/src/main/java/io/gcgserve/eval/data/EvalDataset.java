package io.gcgserve.eval.data;

import io.gcgserve.eval.metrics.PhraseAttributes;
import io.gcgserve.pruners.ImageRgb;
import java.io.IOException;
import java.util.Optional;

/**
 * A fixed, ordered list of evaluation images. Images are decoded one at a time on demand, so that a
 * run holds one image in memory; annotations are cheap and may be read many times.
 */
public interface EvalDataset {

  /** One line for logs and reports, e.g. {@code synthetic val split (seed 2024, 336 px)}. */
  String description();

  /** Number of images. */
  int size();

  /** Stable identifier of image {@code index} (its file name), the key of resumable results. */
  String id(int index);

  /**
   * The COCO image id of image {@code index}, whose order is the order in which COCOeval ranks
   * detections across images (AP50). By default the {@link #id} string: our file names are
   * zero-padded, so that is the dataset order.
   */
  default CocoImageId cocoImageId(int index) {
    return CocoImageId.of(id(index));
  }

  /** The annotation of image {@code index}. */
  GroundTruth truth(int index) throws IOException;

  /** Decodes image {@code index} at its original size. */
  ImageRgb image(int index) throws IOException;

  /** How to read attributes from this dataset's phrases; empty when its phrases are free text. */
  default Optional<PhraseAttributes> phraseAttributes() {
    return Optional.empty();
  }
}
