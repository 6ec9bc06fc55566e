package io.gcgserve.model.data;

import io.gcgserve.pruners.ImageRgb;
import java.util.List;

/**
 * A generated scene.
 *
 * @param image the rendered image
 * @param caption GCG caption, words separated by single spaces, phrases marked {@code <p> ... </p>
 *     [SEG]}
 * @param plainCaption the caption without markers
 * @param groundings phrases in caption order, each with its mask
 */
public record Scene(
    ImageRgb image, String caption, String plainCaption, List<Grounding> groundings) {}
