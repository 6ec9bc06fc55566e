/**
 * FastV: one pruning step after layer K-1 by the last prompt token's attention (Chen et al., 2024).
 */
@NullMarked
package io.gcgserve.pruners.fastv;

import org.jspecify.annotations.NullMarked;
