package io.gcgserve.client;

import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.mask.CocoRle;
import io.gcgserve.proto.v1.Mask;

/**
 * Reads the COCO RLE of a {@link Mask} with the model API's {@link CocoRle}, the codec the server
 * encodes with, so that the client and the server share one implementation of the format.
 */
public final class ProtoMasks {

  private ProtoMasks() {}

  /**
   * The mask's run-length encoding.
   *
   * @throws IllegalArgumentException when {@code size} is not {@code [height, width]}, or the
   *     counts string is malformed or does not cover the mask
   */
  public static CocoRle rle(Mask mask) {
    if (mask.getSizeCount() != 2) {
      throw new IllegalArgumentException(
          "mask size must be [height, width], got " + mask.getSizeList());
    }
    return CocoRle.fromCompressedString(mask.getSize(0), mask.getSize(1), mask.getRleCounts());
  }

  /**
   * The mask's pixels, row-major, with its score.
   *
   * @throws IllegalArgumentException as {@link #rle}
   */
  public static BinaryMask decode(Mask mask) {
    return rle(mask).decode(mask.getScore());
  }
}
