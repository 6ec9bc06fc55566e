package io.gcgserve.eval.data;

import io.gcgserve.eval.metrics.LabeledMask;
import io.gcgserve.model.data.GranDfDataset;
import io.gcgserve.model.data.GranDfRecord;
import io.gcgserve.model.data.Grounding;
import io.gcgserve.pruners.ImageRgb;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A GranDf-format directory (ours or a real GranDf GCG split), optionally its first N images. */
public final class GranDfEvalDataset implements EvalDataset {

  private final Path directory;
  private final GranDfDataset dataset;
  private final int size;

  /** Opens {@code directory}, keeping at most {@code limit} images. */
  public GranDfEvalDataset(Path directory, int limit) throws IOException {
    this.directory = directory;
    this.dataset = GranDfDataset.open(directory);
    this.size = Math.min(limit, dataset.records().size());
  }

  @Override
  public String description() {
    return "GranDf directory " + directory;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public String id(int index) {
    return dataset.records().get(index).fileName();
  }

  @Override
  public GroundTruth truth(int index) {
    GranDfRecord record = dataset.records().get(index);
    List<LabeledMask> truth = new ArrayList<>();
    for (Grounding grounding : record.groundings()) {
      truth.add(new LabeledMask(grounding.phrase(), grounding.mask().pixels()));
    }
    return new GroundTruth(record.caption(), truth);
  }

  /** The file image {@code index} is read from (to identify it by its bytes' hash). */
  public Path imageFile(int index) {
    return dataset.imageFile(dataset.records().get(index));
  }

  @Override
  public ImageRgb image(int index) throws IOException {
    return dataset.loadImage(dataset.records().get(index));
  }
}
