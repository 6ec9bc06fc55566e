/**
 * Request image validation and decoding: format by magic bytes, dimensions from the header before
 * any pixel is decoded, conversion to 8-bit RGB.
 */
@NullMarked
package io.gcgserve.server.image;

import org.jspecify.annotations.NullMarked;
