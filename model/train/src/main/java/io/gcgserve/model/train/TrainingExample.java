package io.gcgserve.model.train;

import io.gcgserve.model.BinaryMask;
import io.gcgserve.pruners.ImageRgb;
import java.util.List;

/**
 * One training sample: an image at the model's input size, its GCG caption with {@code <p>}, {@code
 * </p>} and {@code [SEG]} markers (words separated by single spaces), and one mask per {@code
 * [SEG]}, in caption order.
 *
 * @param image image at the model's input size
 * @param caption GCG caption
 * @param segMasks masks at the image's size, one per {@code [SEG]} of the caption
 */
public record TrainingExample(ImageRgb image, String caption, List<BinaryMask> segMasks) {}
