/**
 * {@code gcg-ab}: the A/B experiment tools. {@code report} reads the server's access log and
 * compares an experiment's arms (latency, errors, throughput, compute, and with ground truth,
 * quality) with bootstrap confidence intervals and a sample-ratio-mismatch test.
 */
@NullMarked
package io.gcgserve.eval.ab;

import org.jspecify.annotations.NullMarked;
