/**
 * ALTP: adaptive local-aware token pruning with SLIC superpixels (DDC) and density-weighted budgets
 * (DDF).
 */
@NullMarked
package io.gcgserve.pruners.altp;

import org.jspecify.annotations.NullMarked;
