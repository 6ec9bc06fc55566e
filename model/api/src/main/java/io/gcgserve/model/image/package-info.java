/**
 * Image validation and decoding, for requests and image files alike: format by magic bytes,
 * dimensions from the header before any pixel is decoded, conversion to 8-bit RGB.
 */
@NullMarked
package io.gcgserve.model.image;

import org.jspecify.annotations.NullMarked;
