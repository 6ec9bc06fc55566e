/** Evaluation datasets: GranDf-format directories and synthetic splits generated on the fly. */
@NullMarked
package io.gcgserve.eval.data;

import org.jspecify.annotations.NullMarked;
