/** Mask encodings shared by the server, the data generator and the evaluation. */
@NullMarked
package io.gcgserve.model.mask;

import org.jspecify.annotations.NullMarked;
