/**
 * Pictures of pruning decisions: superpixel borders and kept tokens over the image, one panel per
 * pruning layer (the paper's Figure 5, for any pruner).
 */
@NullMarked
package io.gcgserve.eval.viz;

import org.jspecify.annotations.NullMarked;
