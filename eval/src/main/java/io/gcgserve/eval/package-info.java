/**
 * The pruning benchmark: runs a model over an evaluation set under every pruner configuration,
 * resumably, and writes GLaMM's GCG metrics as the paper's tables and a Pareto plot.
 */
@NullMarked
package io.gcgserve.eval;

import org.jspecify.annotations.NullMarked;
